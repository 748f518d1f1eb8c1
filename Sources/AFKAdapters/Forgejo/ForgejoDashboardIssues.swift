import AFKCore
import Foundation

/// Issues afk opens and edits, and reactions (Forgejo/Gitea API v1: `GET/POST /repos/{o}/{r}/issues`,
/// `PATCH …/issues/{index}`, `POST …/issues/comments/{id}/reactions`).
extension ForgejoTracker {
    public func openIssues(createdBy login: String, in repo: RepoRef) async throws(ServiceError) -> [TrackerIssue] {
        let what = "listing the issues \(login) opened in \(repo)"
        let items = try await getAll(
            "\(Self.repoPath(repo))/issues",
            query: [("state", "open"), ("type", "issues"), ("created_by", login)],
            Forgejo.Issue.self,
            what,
            paging: Paging(maxPages: 10, truncate: true)
        )
        guard let items else { throw repositoryMissing(repo) }
        return items.map { issue(from: $0, in: repo) }.filter { !$0.isPullRequest }
    }

    public func createIssue(in repo: RepoRef, title: String, body: String) async throws(ServiceError) -> TrackerIssue {
        let json = try? JSONSerialization.data(withJSONObject: ["title": title, "body": body])
        let what = "opening an issue in \(repo)"
        let response = try await client.send("POST", client.url("\(Self.repoPath(repo))/issues"), json: json)
        try client.expect(response, [201], what)
        return issue(from: try client.decode(Forgejo.Issue.self, from: response, what), in: repo)
    }

    public func updateIssueBody(_ ref: IssueRef, body: String) async throws(ServiceError) {
        let json = try? JSONSerialization.data(withJSONObject: ["body": body])
        let response = try await client.send("PATCH", client.url(Self.issuePath(ref)), json: json)
        try client.expect(response, [200, 201], "editing the body of \(ref)")
    }

    public func react(_ content: String, toComment id: Int64, in repo: RepoRef) async throws(ServiceError) {
        let json = try? JSONSerialization.data(withJSONObject: ["content": content])
        let response = try await client.send(
            "POST",
            client.url("\(Self.repoPath(repo))/issues/comments/\(id)/reactions"),
            json: json,
            idempotent: true
        )
        try client.expect(response, [200, 201], "reacting to comment \(id) in \(repo)")
    }
}
