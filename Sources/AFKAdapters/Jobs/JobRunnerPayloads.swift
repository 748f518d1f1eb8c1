import Foundation

/// The claude-agent-service job runner's API (`app/main.py` in https://github.com/ViktorBarzin/claude-agent-service).
///
/// Only the fields afk reads are decoded; every other field of the stored job dict (`prompt`,
/// `agent`, `created_at`, `metadata`, `started_at`, `finished_at`, `finished_epoch`) is ignored.
enum JobRunner {
    /// `ExecuteRequest`: `prompt` and `agent` are required; the rest default on the server
    /// (5.0 USD, 2700 s, null) but afk always sends them, so the budget and timeout are afk's.
    struct ExecuteRequest: Encodable {
        let prompt: String
        let agent: String
        let maxBudgetUSD: Double
        let timeoutSeconds: Int
        /// `object|null`, stored and echoed back on the job (`ExecuteRequest`): afk's run identity, so a human
        /// looking at the runner can tell which run a job belongs to.
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

    /// The stored job dict of `GET /jobs/{id}` (`app/main.py`): `status` always (`queued → running →
    /// completed | failed | timeout | error`); `exit_code`, `output` and `stderr` once completed
    /// or failed; `error` on `error`.
    struct Job: Decodable {
        let status: String
        let exitCode: Int?
        let stderr: String?
        let error: String?
        /// Raw stdout lines of `claude -p --output-format json`; joined, they form one JSON
        /// object whose `result` holds the agent's final text (and `subtype` how it ended).
        let output: [String]?

        enum CodingKeys: String, CodingKey {
            case status, stderr, error, output
            case exitCode = "exit_code"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            status = try c.decode(String.self, forKey: .status)
            // Tolerant below `status`: a field of an unexpected type is as good as absent.
            exitCode = (try? c.decodeIfPresent(Int.self, forKey: .exitCode)) ?? nil
            stderr = (try? c.decodeIfPresent(String.self, forKey: .stderr)) ?? nil
            error = (try? c.decodeIfPresent(String.self, forKey: .error)) ?? nil
            output = (try? c.decodeIfPresent([String].self, forKey: .output)) ?? nil
        }

        /// The `claude` result object the `output` lines form, if they form one.
        var result: ClaudeResult? {
            guard let output, !output.isEmpty else { return nil }
            return try? JSONDecoder().decode(ClaudeResult.self, from: Data(output.joined(separator: "\n").utf8))
        }
    }

    /// The parts of `claude -p --output-format json`'s result object afk names in messages.
    struct ClaudeResult: Decodable {
        let subtype: String?
        let result: String?
        let isError: Bool?

        enum CodingKeys: String, CodingKey {
            case subtype, result
            case isError = "is_error"
        }
    }

    /// FastAPI's error body: `{"detail": "…"}` for errors raised by the app (401, 404, 429), or
    /// `{"detail": [{"type", "loc": [...], "msg"}, …]}` for 422 validation errors.
    struct ErrorBody: Decodable {
        struct ValidationError: Decodable {
            let loc: [LocationPart]?
            let msg: String?
        }

        /// A `loc` element: a field name or a list index.
        enum LocationPart: Decodable, CustomStringConvertible {
            case name(String)
            case index(Int)

            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let i = try? c.decode(Int.self) { self = .index(i) } else { self = .name(try c.decode(String.self)) }
            }

            var description: String {
                switch self {
                case .name(let n): n
                case .index(let i): "[\(i)]"
                }
            }
        }

        /// One sentence: the detail text, or each validation error as `loc: msg`.
        let detail: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? c.decode(String.self, forKey: .detail) {
                detail = text
            } else if let errors = try? c.decode([ValidationError].self, forKey: .detail), !errors.isEmpty {
                detail =
                    errors.map { error in
                        let loc = (error.loc ?? []).map(\.description).joined(separator: ".")
                        return loc.isEmpty ? (error.msg ?? "invalid") : "\(loc): \(error.msg ?? "invalid")"
                    }
                    .joined(separator: "; ")
            } else {
                detail = nil
            }
        }

        enum CodingKeys: String, CodingKey { case detail }
    }

    /// The `detail` of a FastAPI error body, else the start of the body, for messages.
    static func detail(of body: Data) -> String {
        if let detail = (try? JSONDecoder().decode(ErrorBody.self, from: body))?.detail {
            return String(detail.prefix(300))
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "empty body" : String(text.prefix(200))
    }

    /// FastAPI's answer for a job id it does not hold (404, `app/main.py`): unknown, evicted after
    /// `JOB_TTL_SECONDS`, or lost in a restart.
    static let jobNotFound = "Job not found"
}
