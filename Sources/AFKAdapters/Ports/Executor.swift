import AFKCore
import Foundation

/// What a dispatch hands to the agent runtime.
public struct DispatchRequest: Sendable, Hashable {
    public let identity: RunIdentity
    /// A short human title for the thread or job.
    public let title: String
    /// The full first-turn text: preamble plus the issue to implement.
    public let prompt: String
    /// ISO 8601 timestamp sent as `createdAt`.
    public let createdAt: String
    /// The run's branch in `landing: pull_request` (the prompt names it too); nil: the default branch.
    public let branch: String?

    public init(identity: RunIdentity, title: String, prompt: String, createdAt: String, branch: String? = nil) {
        self.branch = branch
        self.identity = identity
        self.title = title
        self.prompt = prompt
        self.createdAt = createdAt
    }
}

/// A run the executor already knows about, found by its deterministic id.
public struct ExecutorRun: Sendable, Hashable {
    public let identity: RunIdentity
    public let threadID: String
    /// When the executor created it (ISO 8601), if it says.
    public let createdAt: String?
    /// True when the first turn is known to have started.
    public let turnStarted: Bool

    public init(identity: RunIdentity, threadID: String, createdAt: String?, turnStarted: Bool) {
        self.identity = identity
        self.threadID = threadID
        self.createdAt = createdAt
        self.turnStarted = turnStarted
    }
}

/// The agent runtime.
///
/// Executors whose API takes a client-chosen id (T3 command and thread ids) submit
/// idempotently per ``RunIdentity``: ``submissionIsIdempotent`` is true and the poller may
/// simply send again after a crash. Executors without one (the job runner, Claudomator) say
/// false, and the poller writes the run record *before* submitting, so that a later tick sees
/// the attempt and never submits a second time on its own.
public protocol Executor: Sendable {
    /// The `executor` value written into run records ("t3", "jobs", "claudomator").
    var kind: String { get }
    /// True when sending the same ``DispatchRequest`` again cannot start a second agent.
    var submissionIsIdempotent: Bool { get }
    /// The service's name in messages ("T3").
    var serviceName: String { get }

    /// Runs of `repo` the executor already holds (not deleted), keyed by identity.
    func existingRuns(in repo: RepoRef) async throws(ServiceError) -> [RunIdentity: ExecutorRun]

    /// Starts the run, or completes a partially started one. Safe to call again with the
    /// same request: nothing is started twice.
    func dispatch(_ request: DispatchRequest) async throws(ServiceError) -> ExecutorRun

    /// A link a human can follow to the run, when the executor has one.
    func link(to run: RunIdentity) -> String?

    /// What the executor says about the agent of each thread, by thread id. Threads the
    /// executor does not hold come back as ``AgentState/missing``; one it cannot read as
    /// ``AgentState/unknown(_:)``. Throws only when the executor cannot be asked at all.
    func observe(threadIDs: [String]) async throws(ServiceError) -> [String: AgentReport]

    /// Fails with ``ServiceError/Kind/misconfigured`` when the server cannot take what this
    /// configuration would send it (T3: `runtime_mode: auto` before 0.0.29). Read-only; the
    /// ticks call it before they dispatch or send a turn, and `afk check-config` reports it.
    func preflight() async throws(ServiceError)

    /// Sends a further turn (a corrective turn) for the run now observed as `threadID`, and
    /// returns the handle to observe from now on: the same thread for runtimes with
    /// conversations (T3; idempotent per `(threadID, turn)`), a new job or task for runtimes
    /// that only take one-shot submissions. `identity` is the run's deterministic identity.
    func startTurn(threadID: String, identity: RunIdentity, turn: Int, text: String, createdAt: String)
        async throws(ServiceError) -> String

    /// A read-only look at the executor for `afk check-config`: its version and whether the
    /// token carries what afk needs.
    func probe() async throws(ServiceError) -> ExecutorProbe

    /// Stops the agent of `threadID` so that it spends nothing more: safe to call again, and on
    /// an agent that already stopped.
    func stop(threadID: String, createdAt: String) async throws(ServiceError) -> AgentStop
}

extension Executor {
    public func preflight() async throws(ServiceError) {}

    /// Runtimes without a documented way to stop a job (the job runner has no cancel endpoint;
    /// Claudomator documents none): nothing is sent, and the record says so.
    public func stop(threadID: String, createdAt: String) async throws(ServiceError) -> AgentStop {
        .cannotStop("\(serviceName) has no documented way to stop a job, so it may run until its own timeout")
    }
}

/// What stopping an agent came to.
public enum AgentStop: Hashable, Sendable {
    case stopped
    case cannotStop(String)

    /// The words for the run record (``RunRecord/agentStop``).
    public var recordText: String {
        switch self {
        case .stopped: "stopped"
        case .cannotStop(let why): "not stopped: \(why)"
        }
    }
}

public struct ExecutorProbe: Hashable, Sendable {
    public let version: String?
    /// Permissions afk needs that the token lacks; empty when all is well.
    public let missing: [String]

    public init(version: String?, missing: [String]) {
        self.version = version
        self.missing = missing
    }
}
