import Foundation

/// Deterministic identifiers for one run of one issue on the executor.
///
/// T3 replays a command whose `commandId` it has already accepted and rejects a second
/// `thread.create` for an existing `threadId` under a new `commandId` (`Layers/OrchestrationEngine.ts`
/// and `commandInvariants.ts` under `apps/server/src/orchestration/` in https://github.com/pingdotgg/t3code), so every
/// id here is a pure function of repository, issue and run number: a repeated or resumed
/// dispatch sends byte-identical ids and cannot start a second thread.
///
/// Ids use only URL-safe characters. `~` separates owner and name because neither GitHub nor
/// Forgejo allows it in either, so ``parse(threadID:)`` is unambiguous.
public struct RunIdentity: Hashable, Sendable, CustomStringConvertible {
    public let issue: IssueRef
    public let run: Int
    /// 0 for the run's first thread; n for its n-th re-dispatch after the thread vanished.
    public let generation: Int

    public init(issue: IssueRef, run: Int, generation: Int = 0) {
        self.issue = issue
        self.run = run
        self.generation = generation
    }

    public static func projectID(for repo: RepoRef) -> String {
        "afk-\(repo.owner.lowercased())~\(repo.name.lowercased())"
    }

    public static func projectCreateCommandID(for repo: RepoRef) -> String {
        projectID(for: repo) + "-create"
    }

    public var projectID: String { Self.projectID(for: issue.repo) }
    public var threadID: String { "\(projectID)-i\(issue.number)-r\(run)" + (generation > 0 ? "-g\(generation)" : "") }
    public var threadCreateCommandID: String { threadID + "-create" }

    /// Turn 1 is the dispatch; later turns are corrective turns.
    public func turnStartCommandID(turn: Int) -> String { "\(threadID)-turn\(turn)" }
    public func messageID(turn: Int) -> String { "\(threadID)-msg\(turn)" }

    public var description: String { "\(issue) run \(run)" }

    /// Recovers repository slug, issue number and run from a thread id minted here.
    /// The repository comes back lower-cased.
    public static func parse(threadID: String) -> RunIdentity? {
        guard threadID.hasPrefix("afk-") else { return nil }
        var body = threadID.dropFirst(4)
        var generation = 0
        if let gDash = body.range(of: "-g", options: .backwards), let g = Int(body[gDash.upperBound...]), g > 0 {
            generation = g
            body = body[..<gDash.lowerBound]
        }
        guard let rDash = body.range(of: "-r", options: .backwards),
            let run = Int(body[rDash.upperBound...]), run > 0
        else { return nil }
        let head = body[..<rDash.lowerBound]
        guard let iDash = head.range(of: "-i", options: .backwards),
            let number = Int(head[iDash.upperBound...]), number > 0
        else { return nil }
        let repoPart = head[..<iDash.lowerBound]
        let parts = repoPart.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let repo = RepoRef(parsing: "\(parts[0])/\(parts[1])")
        else { return nil }
        return RunIdentity(issue: IssueRef(repo: repo, number: number), run: run, generation: generation)
    }
}
