import AFKAdapters
import AFKCore

extension DispatchRequest {
    /// The request that starts (or resumes) `identity` for `issue`: a short thread title and the
    /// implementer preamble followed by the issue. Poller and watcher (re-dispatch) share it so
    /// that a resumed dispatch sends the same bytes as the first one.
    init(issue: TrackerIssue, identity: RunIdentity, preamble: String, createdAt: String, branch: String? = nil) {
        let title = "\(issue.ref): \(issue.title)"
        self.init(
            identity: identity,
            title: title.count <= 120 ? title : String(title.prefix(119)) + "…",
            prompt: ImplementerPreamble.turnText(
                preamble: preamble,
                issue: issue.ref,
                title: issue.title,
                url: issue.htmlURL,
                branch: branch
            ),
            createdAt: createdAt,
            branch: branch
        )
    }
}
