import AFKCore
import Foundation

/// Cross-repository issue search: how a tick over many repositories finds the few that have work
/// with a few requests, instead of listing every repository. Search lags behind label changes, so
/// a tick uses it only to choose repositories (or, for the watcher, runs to look at); the repo
/// lock is always read per repository.
public protocol IssueSearch: Sendable {
    /// Issues (not pull requests) in `state` carrying `label`, in any of `repos`, updated at or
    /// after `updatedSince` when given. Nil when the tracker cannot answer this tick (no search,
    /// its own rate limit spent, a refused or incomplete query): the caller then lists each
    /// repository itself.
    /// `state` nil: open and closed alike.
    func searchIssues(labeled label: String, state: TrackerIssue.State?, updatedSince: Date?, in repos: [RepoRef])
        async -> [TrackerIssue]?
}
