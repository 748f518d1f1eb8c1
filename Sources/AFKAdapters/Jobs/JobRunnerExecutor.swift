import AFKCore
import Foundation
import Logging

/// ``Executor`` over the claude-agent-service job runner (`app/main.py` in https://github.com/ViktorBarzin/claude-agent-service):
/// `POST /execute` → 202 `{job_id}`, `GET /jobs/{id}` → the job's `status`. `executor.kind: jobs`.
///
/// ## Usage
/// ```swift
/// let executor = JobRunnerExecutor(
///     baseURL: URL(string: "http://claude-agent-service:8000")!, token: runnerToken,
///     settings: .init(agent: "afk-implementer", budgetUSD: 5, timeoutSeconds: 2700),
///     transport: transport, retry: retry, logger: logger)
/// ```
///
/// ## What the runner cannot do, and what afk does about it
/// - **No idempotency key** (every `POST` creates a job) and **no listing**:
///   ``submissionIsIdempotent`` is false and ``existingRuns(in:)`` finds nothing. The poller
///   writes the run record before submitting; the submission is sent with
///   `ServiceClient.send(…, idempotent: false)`, so a 5xx is retried but a timeout after sending
///   is not (``ServiceError/outcomeUnknown``).
/// - **Queue full** (429 `{"detail":"Queue full"}`, at `MAX_QUEUE_DEPTH`) is not retried within
///   the tick — a queue of a hundred jobs does not drain in seconds — but thrown at once as
///   ``ServiceError/Kind/unavailable``: nothing was started and the next tick submits again.
/// - **Jobs live in memory**: a restart or the `JOB_TTL_SECONDS` eviction makes a job answer
///   404 `Job not found`, read as ``AgentState/missing`` (the watcher re-dispatches once).
/// - **No conversation**: a corrective turn is a new job (``startTurn(threadID:identity:turn:text:createdAt:)``
///   returns its id); each job works in a fresh `git clone --local` that is deleted afterwards,
///   so only what the agent pushed survives.
/// - **No commit field**: the pushed commit comes from the forge, as for T3.
///
/// A runner that cannot be asked about a job (connection failure, 5xx, an answer not
/// understood) makes that job ``AgentState/unknown(_:)``, never a failed run; a rejected token
/// (401) throws ``ServiceError/Kind/badCredentials`` and stops the tick.
public actor JobRunnerExecutor: Executor {
    public nonisolated let kind = "jobs"
    public nonisolated let serviceName = "job runner"
    /// False: the runner has no idempotency key, so sending again would start a second job.
    public nonisolated let submissionIsIdempotent = false

    /// What every job is submitted with.
    public struct Settings: Sendable, Hashable {
        /// The default ``agent``: the name afk's documentation gives the implementer agent
        /// definition (`agents/afk-implementer.md` in the runner's image).
        public static let defaultAgent = "afk-implementer"
        /// The runner's own default for `timeout_seconds` (`ExecuteRequest` in `app/main.py`).
        public static let defaultTimeoutSeconds = 2700

        /// `agent`: passed to `claude --agent`. The runner does not validate it: a name its
        /// image has no definition for runs without one, so it must be right (`executor.agent`).
        public var agent: String
        /// `max_budget_usd` per job, corrective jobs included.
        public var budgetUSD: Double
        /// `timeout_seconds`. Counts only the `claude` run, not time queued or workspace setup
        /// (`app/main.py`), so a job can take longer than this from submission.
        public var timeoutSeconds: Int

        /// - Parameters:
        ///   - agent: `executor.agent`, default ``defaultAgent``.
        ///   - budgetUSD: the run's budget in USD (`budget_usd`).
        ///   - timeoutSeconds: `executor.timeout_seconds`, default 2700 (the runner's default).
        public init(
            agent: String = Settings.defaultAgent,
            budgetUSD: Double,
            timeoutSeconds: Int = Settings.defaultTimeoutSeconds
        ) {
            self.agent = agent
            self.budgetUSD = budgetUSD
            self.timeoutSeconds = timeoutSeconds
        }
    }

    let client: ServiceClient
    /// The same service without the token, for `/health` (which needs none).
    let healthClient: ServiceClient
    let settings: Settings

    /// - Parameters:
    ///   - baseURL: the runner's base URL (`executor.url`), e.g. `http://claude-agent-service:8000`;
    ///     afk calls `{baseURL}/execute`, `{baseURL}/jobs/{id}` and `{baseURL}/health`.
    ///   - token: the runner's `API_BEARER_TOKEN` (`executor.token`), sent as `Authorization: Bearer`.
    ///     Never logged or named in errors.
    ///   - settings: what each job is submitted with.
    ///   - transport: the HTTP seam.
    ///   - retry: retries of 5xx and transport failures (429 is not retried, see above).
    ///   - logger: warnings about retries; never carries the token or a prompt.
    ///   - sleep: how to wait between retries (tests pass a no-op).
    public init(
        baseURL: URL,
        token: String,
        settings: Settings,
        transport: any HTTPTransport,
        retry: RetryPolicy,
        logger: Logger,
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep
    ) {
        let headers = ["Accept": "application/json", "User-Agent": "afk"]
        self.client = ServiceClient(
            service: "job runner",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: headers.merging(["Authorization": "Bearer \(token)"]) { _, new in new },
            retry: retry,
            logger: logger,
            isFinal: { $0.status == 429 },
            sleep: sleep
        )
        self.healthClient = ServiceClient(
            service: "job runner",
            baseURL: baseURL,
            transport: transport,
            defaultHeaders: headers,
            retry: retry,
            logger: logger,
            sleep: sleep
        )
        self.settings = settings
    }

    /// Always empty: the runner cannot list its jobs (`app/main.py` has no such route). The run record, written before
    /// submitting, is afk's only memory of a job.
    public func existingRuns(in repo: RepoRef) async throws(ServiceError) -> [RunIdentity: ExecutorRun] {
        [:]
    }

    /// Submits one job with the request's prompt. Not idempotent: every call creates a job.
    public func dispatch(_ request: DispatchRequest) async throws(ServiceError) -> ExecutorRun {
        let id = try await submit(
            prompt: request.prompt,
            run: request.identity,
            what: "submitting \(request.identity.threadID)"
        )
        return ExecutorRun(identity: request.identity, threadID: id, createdAt: request.createdAt, turnStarted: true)
    }

    /// Posts one job; returns its id.
    func submit(prompt: String, run identity: RunIdentity, what: String) async throws(ServiceError) -> String {
        let body = JobRunner.ExecuteRequest(
            prompt: prompt,
            agent: settings.agent,
            maxBudgetUSD: settings.budgetUSD,
            timeoutSeconds: settings.timeoutSeconds,
            metadata: [
                "afk_run": identity.threadID, "repo": identity.issue.repo.description,
                "issue": String(identity.issue.number),
            ]
        )
        let json: Data
        do {
            json = try JSONEncoder().encode(body)
        } catch {
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message: "\(what): the job could not be encoded (\(error))"
            )
        }
        let response = try await client.send("POST", client.url("/execute"), json: json, idempotent: false)
        switch response.status {
        case 202, 200, 201:
            break
        case 429:
            throw ServiceError(
                service: client.service,
                kind: .unavailable,
                message:
                    "\(what): the runner refused the job (HTTP 429: \(JobRunner.detail(of: response.body))); its queue is at MAX_QUEUE_DEPTH, nothing was started and a later tick submits again"
            )
        case 422:
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(422),
                message:
                    "\(what): the runner rejected the request as malformed (HTTP 422: \(JobRunner.detail(of: response.body)))"
            )
        default:
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(response.status),
                message: "\(what) failed with HTTP \(response.status): \(JobRunner.detail(of: response.body))"
            )
        }
        let accepted = try client.decode(JobRunner.Accepted.self, from: response, what)
        guard !accepted.jobID.isEmpty else {
            // Accepted, but without an id afk cannot follow it: the job may well be running.
            throw ServiceError(
                service: client.service,
                kind: .malformedResponse,
                message: "\(what): the runner answered \(response.status) without a job_id",
                outcomeUnknown: true
            )
        }
        return accepted.jobID
    }

    /// Nil: the runner has no page for a job, and `GET /jobs/{id}` needs the token.
    public nonisolated func link(to run: RunIdentity) -> String? { nil }

    /// `GET /jobs/{id}` for each id, one at a time. 404 `Job not found` is ``AgentState/missing``;
    /// a job that cannot be read is ``AgentState/unknown(_:)``; 401 throws.
    public func observe(threadIDs: [String]) async throws(ServiceError) -> [String: AgentReport] {
        var states: [String: AgentState] = [:]
        for id in threadIDs {
            do {
                states[id] = try await state(ofJob: id)
            } catch  where error.kind != .badCredentials {
                // Could not ask (unreachable, 5xx, an answer not understood): not a failed run.
                states[id] = .unknown("could not ask the job runner about job \(id): \(error.message)")
            }
        }
        return states.mapValues { AgentReport($0) }  // one job per turn: no turns to report
    }

    func state(ofJob id: String) async throws(ServiceError) -> AgentState {
        let what = "reading job \(id)"
        let response = try await client.send("GET", client.url("/jobs/\(ServiceClient.segment(id))"))
        switch response.status {
        case 200:
            return Self.state(of: try client.decode(JobRunner.Job.self, from: response, what))
        case 404 where JobRunner.detail(of: response.body) == JobRunner.jobNotFound:
            return .missing  // never existed here, evicted after JOB_TTL_SECONDS, or lost in a restart
        case 404:
            // Not the runner's own answer for a job: a proxy or another service at executor.url.
            // Reading that as "the job vanished" would re-dispatch a job that may be running.
            return .unknown(
                "the job runner answered 404 for job \(id) without \"\(JobRunner.jobNotFound)\" (\(JobRunner.detail(of: response.body))): is executor.url the runner's base URL?"
            )
        default:
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(response.status),
                message: "\(what) failed with HTTP \(response.status): \(JobRunner.detail(of: response.body))"
            )
        }
    }

    /// The job's `status` as an agent state: `queued`/`running` work on; `completed` (exit 0)
    /// finished; `failed` (exit ≠ 0), `timeout` and `error` are errors saying what the runner
    /// said; any other status is not understood (afk waits rather than guessing).
    static func state(of job: JobRunner.Job) -> AgentState {
        switch job.status.lowercased() {
        case "queued", "running": return .running
        case "completed": return .finished
        case "failed":
            let code = job.exitCode.map { " with exit code \($0)" } ?? ""
            let result = job.result
            let how = result?.subtype.flatMap { $0 == "success" || $0.isEmpty ? nil : " (\($0))" } ?? ""
            let said = lastLine(job.stderr) ?? lastLine(result?.result)
            return .errored("the job failed\(code)\(how)" + (said.map { ": \($0)" } ?? ""))
        case "timeout": return .errored("TIMED_OUT: the job ran past its timeout_seconds")
        case "error": return .errored("the job could not run: \(lastLine(job.error) ?? "no error text")")
        default: return .unknown("the job runner reported status \"\(job.status)\", which afk does not know")
        }
    }

    /// The last non-blank line of `text`, trimmed and cut to 300 characters.
    static func lastLine(_ text: String?) -> String? {
        guard let text else { return nil }
        let line = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .last { !$0.isEmpty }
        return line.map { String($0.prefix(300)) }
    }

    /// A job is one-shot: the corrective turn is a new job (in a fresh clone of the workspace)
    /// whose prompt is `text` plus a line naming the run and the previous job. Returns its id.
    /// Not idempotent, like ``dispatch(_:)``.
    public func startTurn(threadID: String, identity: RunIdentity, turn: Int, text: String, createdAt: String)
        async throws(ServiceError) -> String
    {
        let prompt =
            text
            + "\n\nThis continues afk run \(identity.threadID) (corrective turn \(turn)); the previous job was \(threadID)."
        return try await submit(
            prompt: prompt,
            run: identity,
            what: "submitting corrective turn \(turn) of \(identity.threadID)"
        )
    }

    /// Reachability, then the token, without creating anything:
    /// 1. `GET /health` without the token (the route needs none): the runner answers.
    /// 2. `GET /jobs/afk-token-check` with the token. Authentication runs before the lookup, so
    ///    404 `{"detail":"Job not found"}` proves the token was accepted, 401 that it was not
    ///    (thrown as ``ServiceError/Kind/badCredentials``; `Service unauthenticated` means the
    ///    runner itself has no `API_BEARER_TOKEN`). A 404 without that detail means
    ///    `executor.url` is not the runner's base URL.
    ///
    /// The runner reports no version; ``ExecutorProbe/version`` is nil.
    public func probe() async throws(ServiceError) -> ExecutorProbe {
        let health = try await healthClient.send("GET", healthClient.url("/health"))
        guard health.status == 200 else {
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(health.status),
                message:
                    "reading the runner's health failed with HTTP \(health.status): \(JobRunner.detail(of: health.body))"
            )
        }
        let response = try await client.send("GET", client.url("/jobs/afk-token-check"))
        switch response.status {
        case 404 where JobRunner.detail(of: response.body) == JobRunner.jobNotFound, 200:
            return ExecutorProbe(version: nil, missing: [])
        default:
            throw ServiceError(
                service: client.service,
                kind: .misconfigured,
                message:
                    "checking the token with GET /jobs/afk-token-check expected 404 \"\(JobRunner.jobNotFound)\", got HTTP \(response.status) (\(JobRunner.detail(of: response.body))): is executor.url the runner's base URL?"
            )
        }
    }
}
