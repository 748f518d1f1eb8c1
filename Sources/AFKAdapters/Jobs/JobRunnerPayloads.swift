import Foundation

/// The claude-agent-service job runner's API (`app/main.py`; facts t3-and-job-runner §2).
enum JobRunner {
    /// `ExecuteRequest`: `prompt` and `agent` are required; the rest default on the server
    /// (5.0 USD, 2700 s, null) but afk always sends them.
    struct ExecuteRequest: Encodable {
        let prompt: String
        let agent: String
        let maxBudgetUSD: Double
        let timeoutSeconds: Int
        /// Echoed back on the job; afk's run identity, for a human looking at the runner.
        let metadata: [String: String]

        enum CodingKeys: String, CodingKey {
            case prompt, agent, metadata
            case maxBudgetUSD = "max_budget_usd"
            case timeoutSeconds = "timeout_seconds"
        }
    }

    /// `202 {"job_id": "<12 hex>", "status": "queued"}`.
    struct Accepted: Decodable {
        let jobID: String

        enum CodingKeys: String, CodingKey { case jobID = "job_id" }
    }

    /// The stored job dict of `GET /jobs/{id}`: `status` always; `exit_code` and `stderr` once
    /// completed or failed; `error` on `error`.
    struct Job: Decodable {
        let status: String
        let exitCode: Int?
        let stderr: String?
        let error: String?

        enum CodingKeys: String, CodingKey {
            case status, stderr, error
            case exitCode = "exit_code"
        }
    }

    /// FastAPI's error body: `{"detail": "…"}`, or a list of validation errors for 422.
    struct ErrorDetail: Decodable {
        let detail: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            detail = (try? c.decode(String.self, forKey: .detail)) ?? (c.contains(.detail) ? "invalid request (see the runner's validation errors)" : nil)
        }

        enum CodingKeys: String, CodingKey { case detail }
    }
}
