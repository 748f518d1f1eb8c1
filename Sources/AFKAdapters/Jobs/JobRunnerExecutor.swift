import AFKCore
import Foundation
import Logging

/// ``Executor`` over the claude-agent-service job runner (t3-and-job-runner §2):
/// `POST /execute` → 202 `{job_id}`, `GET /jobs/{id}` → the job's `status`.
///
/// The runner has **no idempotency key** (every `POST` creates a job) and cannot list jobs, so
/// ``submissionIsIdempotent`` is false and ``existingRuns(in:)`` finds nothing: the poller writes
/// the run record before submitting, and the submission is sent with
/// `ServiceClient.send(…, idempotent: false)` — a refusal (429 "Queue full", 5xx) is retried,
/// a timeout after sending is not. Jobs live in the runner's memory: a restart or the
/// `JOB_TTL_SECONDS` eviction makes a job 404, read as ``AgentState/missing`` (the watcher
/// re-dispatches once). A runner that cannot be asked is ``AgentState/unknown(_:)``, never a
/// failed run. There is no commit field: the pushed commit comes from the forge, as for T3.
public actor JobRunnerExecutor: Executor {
    public nonisolated let kind = "jobs"
    public nonisolated let serviceName = "job runner"
    public nonisolated let submissionIsIdempotent = false

    public struct Settings: Sendable, Hashable {
        /// Passed to `claude --agent` (the runner does not validate it).
        public var agent: String
        public var budgetUSD: Double
        /// Counts only the `claude` run, not time queued (§2).
        public var timeoutSeconds: Int

        public init(agent: String, budgetUSD: Double, timeoutSeconds: Int = 2700) {
            self.agent = agent
            self.budgetUSD = budgetUSD
            self.timeoutSeconds = timeoutSeconds
        }
    }

    let client: ServiceClient
    let settings: Settings

    public init(baseURL: URL, token: String, settings: Settings, transport: any HTTPTransport, retry: RetryPolicy, logger: Logger,
                sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep) {
        self.client = ServiceClient(
            service: "job runner", baseURL: baseURL, transport: transport,
            defaultHeaders: ["Authorization": "Bearer \(token)", "Accept": "application/json", "User-Agent": "afk"],
            retry: retry, logger: logger, sleep: sleep)
        self.settings = settings
    }

    public func existingRuns(in repo: RepoRef) async throws(ServiceError) -> [RunIdentity: ExecutorRun] {
        [:]  // the runner cannot list its jobs; the run record is written before submitting
    }

    public func dispatch(_ request: DispatchRequest) async throws(ServiceError) -> ExecutorRun {
        let id = try await submit(prompt: request.prompt, run: request.identity, what: "submitting \(request.identity.threadID)")
        return ExecutorRun(identity: request.identity, threadID: id, createdAt: request.createdAt, turnStarted: true)
    }

    /// Posts one job; returns its id.
    func submit(prompt: String, run identity: RunIdentity, what: String) async throws(ServiceError) -> String {
        let body = JobRunner.ExecuteRequest(
            prompt: prompt, agent: settings.agent, maxBudgetUSD: settings.budgetUSD, timeoutSeconds: settings.timeoutSeconds,
            metadata: ["afk_run": identity.threadID, "repo": identity.issue.repo.description, "issue": String(identity.issue.number)])
        let json = try? JSONEncoder().encode(body)
        let response = try await client.send("POST", client.url("/execute"), json: json, idempotent: false)
        if response.status == 422 {
            let detail = (try? JSONDecoder().decode(JobRunner.ErrorDetail.self, from: response.body))?.detail ?? response.bodyText
            throw ServiceError(service: client.service, kind: .unexpectedStatus(422), message: "\(what): the runner rejected the request (HTTP 422): \(detail)")
        }
        try client.expect(response, [202, 200, 201], what)
        let accepted = try client.decode(JobRunner.Accepted.self, from: response, what)
        guard !accepted.jobID.isEmpty else {
            throw ServiceError(service: client.service, kind: .malformedResponse, message: "\(what): the runner answered without a job_id", outcomeUnknown: true)
        }
        return accepted.jobID
    }

    public nonisolated func link(to run: RunIdentity) -> String? { nil }

    public func observe(threadIDs: [String]) async throws(ServiceError) -> [String: AgentState] {
        var states: [String: AgentState] = [:]
        for id in threadIDs {
            do {
                let response = try await client.send("GET", client.url("/jobs/\(ServiceClient.segment(id))"))
                if response.status == 404 {
                    states[id] = .missing  // never existed here, evicted, or lost in a restart
                    continue
                }
                try client.expect(response, [200], "reading job \(id)")
                states[id] = Self.state(of: try client.decode(JobRunner.Job.self, from: response, "reading job \(id)"))
            } catch where error.kind != .badCredentials {
                // Could not ask (unreachable, 5xx, an answer not understood): not a failed run.
                states[id] = .unknown("could not ask the job runner about job \(id): \(error.message)")
            }
        }
        return states
    }

    /// The job's `status` as an agent state: `queued`/`running` work on; `completed` finished;
    /// `failed`, `timeout` and `error` are errors with what the runner said; anything else is
    /// not understood.
    static func state(of job: JobRunner.Job) -> AgentState {
        switch job.status.lowercased() {
        case "queued", "running": return .running
        case "completed": return .finished
        case "failed":
            let code = job.exitCode.map { " with exit code \($0)" } ?? ""
            return .errored("the job failed\(code)" + (lastLine(job.stderr).map { ": \($0)" } ?? ""))
        case "timeout": return .errored("TIMED_OUT: the job ran past its timeout_seconds")
        case "error": return .errored("the job could not run: \(job.error ?? "no error text")")
        default: return .unknown("the job runner reported status \"\(job.status)\", which afk does not know")
        }
    }

    static func lastLine(_ text: String?) -> String? {
        guard let text else { return nil }
        let line = text.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.isEmpty ? nil : String(line.prefix(300))
    }

    public func startTurn(threadID: String, identity: RunIdentity, turn: Int, text: String, createdAt: String) async throws(ServiceError) -> String {
        // A job is one-shot: the corrective turn is a new job in a fresh clone of the workspace.
        let prompt = text + "\n\nThis continues afk run \(identity.threadID) (corrective turn \(turn)); the previous job was \(threadID)."
        return try await submit(prompt: prompt, run: identity, what: "submitting corrective turn \(turn) of \(identity.threadID)")
    }

    /// `GET /health` (no authentication there) proves the runner answers; a read of a job that
    /// cannot exist proves the token: 404 `Job not found` means accepted, 401 rejected.
    public func probe() async throws(ServiceError) -> ExecutorProbe {
        let health = try await client.send("GET", client.url("/health"))
        try client.expect(health, [200], "reading the runner's health")
        let response = try await client.send("GET", client.url("/jobs/afk-token-check"))
        try client.expect(response, [404, 200], "checking the token")
        return ExecutorProbe(version: nil, missing: [])
    }
}
