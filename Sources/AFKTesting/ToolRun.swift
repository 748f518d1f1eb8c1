import AFKCore
import Foundation

/// What one run of a program produced: exit status, standard output and error, and for a tick
/// run in this process its typed report.
public struct ToolRun: Sendable {
    public let code: Int32
    public let stdout: String
    public let stderr: String
    /// The tick's report, typed (a tick run in this process); nil for a binary or an early exit.
    public let typed: TickReport?

    public init(code: Int32, stdout: String, stderr: String, typed: TickReport? = nil) {
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.typed = typed
    }

    /// The report printed as JSON (`--output json`).
    public var report: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
    }

    public var actions: [[String: Any]] { report?["actions"] as? [[String: Any]] ?? [] }

    public func action(_ repo: String, _ issue: Int) -> [String: Any]? {
        actions.first { $0["repo"] as? String == repo && $0["issue"] as? Int == issue }
    }

    /// The action taken on `repo#issue`, from the typed report when there is one.
    public func verb(_ repo: String, _ issue: Int) -> String? {
        if let typed { return typed.actions.first { $0.repo == repo && $0.issue == issue }?.action.rawValue }
        return action(repo, issue)?["action"] as? String
    }

    public func reason(_ repo: String, _ issue: Int) -> String {
        if let typed { return typed.actions.first { $0.repo == repo && $0.issue == issue }?.reason ?? "" }
        return action(repo, issue)?["reason"] as? String ?? ""
    }

    /// `owner/name#N` of every dispatch, sorted.
    public var dispatched: [String] {
        if let typed {
            return typed.actions.filter { $0.action == .dispatch }.map { "\($0.repo)#\($0.issue)" }.sorted()
        }
        return actions.filter { $0["action"] as? String == "dispatch" }
            .map { "\($0["repo"] ?? "")#\($0["issue"] ?? "")" }.sorted()
    }

    /// Every error message of the report.
    public var errors: [String] {
        if let typed { return typed.errors.map(\.message) }
        return (report?["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }
}
