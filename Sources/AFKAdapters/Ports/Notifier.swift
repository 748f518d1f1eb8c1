import AFKCore

/// One doorbell message: a terminal transition of one run.
public struct DoorbellMessage: Sendable, Hashable {
    public let kind: Doorbell
    public let issue: IssueRef
    public let issueTitle: String
    public let detail: String
    /// Where a click should land: the issue, its pull request, or the agent's thread.
    public let link: String?

    public init(kind: Doorbell, issue: IssueRef, issueTitle: String, detail: String, link: String?) {
        self.kind = kind
        self.issue = issue
        self.issueTitle = issueTitle
        self.detail = detail
        self.link = link
    }

    public var title: String {
        switch kind {
        case .done: "✅ \(issue) done"
        case .frozen: "❄️ \(issue) frozen: CI red, needs a human"
        case .needsHuman: "🙋 \(issue) needs a human"
        case .reviewWanted: "👀 \(issue) review wanted"
        }
    }
}

/// A doorbell channel (ntfy, Slack). One send per call; failures throw and are retried on
/// later ticks by the watcher.
public protocol Notifier: Sendable {
    /// The ``RunEffect`` that stands for this channel in a run record.
    var effect: RunEffect { get }
    var serviceName: String { get }
    func ring(_ message: DoorbellMessage) async throws(ServiceError)
}
