import Foundation

/// Issue bodies and comment reactions, from Swift (tests play the humans who tick a dashboard issue's
/// checkboxes, and read the reactions afk left on `/afk` command comments).
extension Simulator {
    /// Replaces an issue's body as `login` would through either API: allowed for the issue's author and for a
    /// collaborator with `write`, `maintain` or `admin` (the owner is `admin`); `updated_at` moves on.
    /// - Returns: false when the issue does not exist or `login` may not edit it (the API would answer 403).
    @discardableResult
    public func editIssueBody(_ owner: String, _ repo: String, _ number: Int, body: String, by login: String) async
        -> Bool
    {
        await state.mutateIssue(owner, repo, number) { world, r, i, now -> Bool in
            guard world.mayEditIssueContent(login, repo: r, issue: i) else { return false }
            world.setIssueBody(body, repo: r, issue: i, now: now)
            return true
        } ?? false
    }

    /// The reactions on an issue comment, oldest first; empty when there is no such comment.
    public func reactions(_ owner: String, _ repo: String, commentID: Int64) async -> [SimReaction] {
        await state.mutateRepo(owner, repo) { world, r, _ -> [SimReaction] in
            guard let (i, k) = world.findComment(repo: r, id: commentID) else { return [] }
            return world.repos[r].issues[i].comments[k].reactions
        } ?? []
    }
}
