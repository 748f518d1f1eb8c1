import Foundation

/// How a simulated job or task of a one-shot runtime (job runner, Claudomator) goes, the
/// counterpart of T3's `AgentScript`. Reads drive it, as polls drive T3's `AgentDriver`: a job
/// is `queued` until its first read, `running` for `running_polls` more reads, then ends as the
/// script says on the next one. A job that pushes lands its commit on the forge at that
/// moment (an `AgentPush`, applied by the simulator right after the request). Corrective
/// submissions (a job for a run that already had one; a Claudomator task named `…-turnN`) push
/// with the `Fix build for #N` subject.
///
/// JSON: a string, e.g. `"push_red_then_green"`.
public enum RunnerScript: String, Sendable, Codable, Equatable, CaseIterable {
    /// Pushes a commit closing the issue with a green `build` check run, then completes.
    case pushGreen = "push_green"
    /// Pushes with a red check run, then completes; every corrective job pushes red again.
    case pushRed = "push_red"
    /// The first job pushes red; corrective jobs push green.
    case pushRedThenGreen = "push_red_then_green"
    /// Completes without pushing anything.
    case noPush = "no_push"
    /// Ends failed (job runner: `failed`, exit code 1; Claudomator: `FAILED`).
    case fail
    /// Ends timed out (`timeout` / `TIMED_OUT`).
    case timeout
    /// Claudomator: ends `BUDGET_EXCEEDED` (the job runner has no such state: `failed`, with
    /// the budget named on stderr).
    case budgetExceeded = "budget_exceeded"
    /// Never gets to run the agent. Job runner: ends `error` (`workspace setup failed: …`, the
    /// exception case of the runner's `app/main.py`); Claudomator: ends `FAILED` with that `error`.
    case setupError = "setup_error"
    /// Disappears once running (a runner restart): 404 from then on.
    case vanish
    /// Runs forever.
    case neverFinish = "never_finish"

    /// The push this job makes when it ends, if any (`corrective`: the job is a fix-forward turn).
    /// `instructions` is the submitted prompt: its `AFK-Branch:` line, if any, names the branch to push to.
    func push(owner: String, repo: String, number: Int, corrective: Bool, seed: String, instructions: String = "")
        -> AgentPush?
    {
        let ci: AgentCI
        switch self {
        case .pushGreen: ci = .green
        case .pushRed: ci = .red
        case .pushRedThenGreen: ci = corrective ? .green : .red
        default: return nil
        }
        return AgentPush(
            owner: owner,
            repo: repo,
            number: number,
            branch: AgentPush.runBranch(inTurnText: instructions),
            fix: corrective,
            sha: ForgeWorld.hex40("runner|\(seed)|\(SimClock.randomHex(8))"),
            ci: ci,
            origin: seed
        )
    }
}

/// Which script a submission follows: by `owner/name#N`, else the default.
public struct RunnerScripts: Sendable, Codable, Equatable {
    public var byIssue: [String: RunnerScript]
    public var fallback: RunnerScript

    public init(byIssue: [String: RunnerScript] = [:], fallback: RunnerScript = .pushGreen) {
        self.byIssue = byIssue
        self.fallback = fallback
    }

    func script(owner: String, repo: String, number: Int) -> RunnerScript {
        byIssue["\(owner)/\(repo)#\(number)".lowercased()] ?? byIssue["\(owner)/\(repo)#\(number)"] ?? fallback
    }
}

/// The issue a submission is about, from afk's run id (`afk-owner~name-iN-rK…`).
func runIssue(fromRunID id: String) -> (owner: String, repo: String, number: Int)? {
    guard id.hasPrefix("afk-"), let tilde = id.firstIndex(of: "~") else { return nil }
    let owner = String(id[id.index(id.startIndex, offsetBy: 4)..<tilde])
    let rest = id[id.index(after: tilde)...]
    guard let iDash = rest.range(of: "-i", options: .backwards) else { return nil }
    let repo = String(rest[..<iDash.lowerBound])
    let digits = rest[iDash.upperBound...].prefix { $0.isNumber }
    guard let number = Int(digits) else { return nil }
    return (owner, repo, number)
}
