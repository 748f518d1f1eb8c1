import Foundation

/// Renders real-shaped GitHub REST payloads (schemas named after the OpenAPI description,
/// https://github.com/github/rest-api-description).
extension ForgeWorld {
    static func pathEscape(_ s: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    func repoAPI(_ r: Int) -> String { "\(apiBase)/repos/\(repos[r].owner)/\(repos[r].name)" }

    /// `simple-user`.
    func user(_ login: String) -> JSONValue {
        let id = Self.userID(for: login)
        let api = "\(apiBase)/users/\(login)"
        return .obj([
            "login": .string(login),
            "id": .int(id),
            "node_id": .string("U_kgDO\(id)"),
            "avatar_url": .string("https://avatars.githubusercontent.com/u/\(id)?v=4"),
            "gravatar_id": .string(""),
            "url": .string(api),
            "html_url": .string("\(htmlBase)/\(login)"),
            "followers_url": .string("\(api)/followers"),
            "following_url": .string("\(api)/following{/other_user}"),
            "gists_url": .string("\(api)/gists{/gist_id}"),
            "starred_url": .string("\(api)/starred{/owner}{/repo}"),
            "subscriptions_url": .string("\(api)/subscriptions"),
            "organizations_url": .string("\(api)/orgs"),
            "repos_url": .string("\(api)/repos"),
            "events_url": .string("\(api)/events{/privacy}"),
            "received_events_url": .string("\(api)/received_events"),
            "type": .string(login.hasSuffix("[bot]") ? "Bot" : "User"),
            "user_view_type": .string("public"),
            "site_admin": .bool(false),
        ])
    }

    func labelObject(_ name: String, repo r: Int) -> JSONValue {
        let label =
            repos[r].labels.first { $0.name.lowercased() == name.lowercased() }
            ?? SimLabel(name: name, color: Self.color(for: name), id: nil)
        let id = label.id ?? 0
        return .obj([
            "id": .int(id),
            "node_id": .string("LA_kwDO\(id)"),
            "url": .string("\(repoAPI(r))/labels/\(Self.pathEscape(label.name))"),
            "name": .string(label.name),
            "color": .string(label.color ?? Self.color(for: label.name)),
            "default": .bool(false),
            "description": .str(label.description),
        ])
    }

    /// Labels on an issue, in GitHub's order (alphabetical, case-insensitive).
    func labelArray(repo r: Int, issue i: Int) -> JSONValue {
        let names = repos[r].issues[i].labels.sorted { $0.lowercased() < $1.lowercased() }
        return .array(names.map { labelObject($0, repo: r) })
    }

    /// `issue` (https://docs.github.com/en/rest/issues/issues#list-repository-issues: PRs carry `pull_request`,
    /// plain issues have no such key).
    func issueObject(repo r: Int, issue i: Int) -> JSONValue {
        let repo = repos[r]
        let issue = repo.issues[i]
        let id = issue.id ?? 0
        let url = "\(repoAPI(r))/issues/\(issue.number)"
        let html = "\(htmlBase)/\(repo.owner)/\(repo.name)/\(issue.isPullRequest ? "pull" : "issues")/\(issue.number)"
        let blockers = issue.blockedBy.compactMap { resolve($0, from: r) }
        let openBlockers = blockers.filter { repos[$0.repo].issues[$0.issue].state == "open" }
        var blocking = 0
        var openBlocking = 0
        for (ri, other) in repos.enumerated() {
            for candidate in other.issues {
                let blocksThis = candidate.blockedBy.contains { ref in
                    resolve(ref, from: ri).map { $0.repo == r && $0.issue == i } ?? false
                }
                guard blocksThis else { continue }
                blocking += 1
                if candidate.state == "open" { openBlocking += 1 }
            }
        }
        var members: [String: JSONValue] = [
            "url": .string(url),
            "repository_url": .string(repoAPI(r)),
            "labels_url": .string("\(url)/labels{/name}"),
            "comments_url": .string("\(url)/comments"),
            "events_url": .string("\(url)/events"),
            "html_url": .string(html),
            "id": .int(id),
            "node_id": .string(issue.isPullRequest ? "PR_kwDO\(id)" : "I_kwDO\(id)"),
            "number": .num(issue.number),
            "title": .string(issue.title),
            "user": user(issue.author),
            "labels": labelArray(repo: r, issue: i),
            "state": .string(issue.state),
            "locked": .bool(issue.locked),
            "assignee": issue.assignees.first.map(user) ?? .null,
            "assignees": .array(issue.assignees.map(user)),
            "milestone": .null,
            "comments": .num(issue.comments.count),
            "created_at": .str(issue.createdAt),
            "updated_at": .str(issue.updatedAt),
            "closed_at": .str(issue.closedAt),
            "author_association": .string(issue.authorAssociation ?? authorAssociation(of: issue.author, in: r)),
            "type": .null,
            "active_lock_reason": .null,
            "body": .str(issue.body),
            "closed_by": .null,
            "reactions": reactions(url: "\(url)/reactions"),
            "timeline_url": .string("\(url)/timeline"),
            "performed_via_github_app": .null,
            "state_reason": .str(issue.stateReason),
            "sub_issues_summary": .obj(["total": .int(0), "completed": .int(0), "percent_completed": .int(0)]),
            "issue_dependencies_summary": .obj([
                "blocked_by": .num(openBlockers.count),
                "blocking": .num(openBlocking),
                "total_blocked_by": .num(blockers.count),
                "total_blocking": .num(blocking),
            ]),
        ]
        if issue.isPullRequest {
            let pull = pullIndex(repo: r, number: issue.number).map { repos[r].pulls[$0] }
            members["draft"] = .bool(pull?.draft ?? false)
            members["pull_request"] = .obj([
                "url": .string("\(repoAPI(r))/pulls/\(issue.number)"),
                "html_url": .string(html),
                "diff_url": .string("\(html).diff"),
                "patch_url": .string("\(html).patch"),
                "merged_at": .str(pull?.mergedAt),
            ])
        }
        return .object(members)
    }

    /// The `reaction-rollup`: a count per content.
    func reactions(url: String, _ list: [SimReaction] = []) -> JSONValue {
        var fields: [String: JSONValue] = ["url": .string(url), "total_count": .int(Int64(list.count))]
        for content in Self.githubReactionContents {
            fields[content] = .int(Int64(list.filter { $0.content == content }.count))
        }
        return .object(fields)
    }

    /// `issue-comment`.
    func commentObject(_ comment: SimComment, repo r: Int, issue i: Int) -> JSONValue {
        let repo = repos[r]
        let issue = repo.issues[i]
        let id = comment.id ?? 0
        let url = "\(repoAPI(r))/issues/comments/\(id)"
        return .obj([
            "url": .string(url),
            "html_url": .string(
                "\(htmlBase)/\(repo.owner)/\(repo.name)/\(issue.isPullRequest ? "pull" : "issues")/\(issue.number)#issuecomment-\(id)"
            ),
            "issue_url": .string("\(repoAPI(r))/issues/\(issue.number)"),
            "id": .int(id),
            "node_id": .string("IC_kwDO\(id)"),
            "user": user(comment.user),
            "created_at": .str(comment.createdAt),
            "updated_at": .str(comment.updatedAt ?? comment.createdAt),
            "body": .string(comment.body),
            "author_association": .string(comment.authorAssociation ?? authorAssociation(of: comment.user, in: r)),
            "reactions": reactions(url: "\(url)/reactions", comment.reactions),
            "performed_via_github_app": .null,
        ])
    }

    /// An entry of `issue-event-for-issue`. Labeled/unlabeled events follow `labeled-issue-event`: there is
    /// NO `author_association` on them (https://docs.github.com/en/rest/issues/events#list-issue-events).
    func eventObject(_ event: SimIssueEvent, repo r: Int) -> JSONValue {
        let id = event.id ?? 0
        var members: [String: JSONValue] = [
            "id": .int(id),
            "node_id": .string("\(Self.nodePrefix(for: event.event))_lADO\(id)"),
            "url": .string("\(repoAPI(r))/issues/events/\(id)"),
            "actor": event.actor.map(user) ?? .null,
            "event": .string(event.event),
            "commit_id": .null,
            "commit_url": .null,
            "created_at": .str(event.createdAt),
            "performed_via_github_app": .null,
        ]
        switch event.event {
        case "labeled", "unlabeled":
            let name = event.label ?? ""
            let color =
                repos[r].labels.first { $0.name.lowercased() == name.lowercased() }?.color ?? Self.color(for: name)
            members["label"] = .obj(["name": .string(name), "color": .string(color)])
        case "assigned", "unassigned":
            let assignee = event.assignee ?? event.actor ?? "ghost"
            members["assignee"] = user(assignee)
            members["assigner"] = event.actor.map(user) ?? .null
        case "renamed":
            members["rename"] = .obj(["from": .string(event.renameFrom ?? ""), "to": .string(event.renameTo ?? "")])
        case "closed", "reopened":
            members["state_reason"] = .null
        default:
            break
        }
        return .object(members)
    }

    static func nodePrefix(for event: String) -> String {
        switch event {
        case "labeled": "LE"
        case "unlabeled": "UNLE"
        case "assigned": "AE"
        case "unassigned": "UAE"
        case "renamed": "RTE"
        case "closed": "CE"
        case "reopened": "REE"
        default: "IE"
        }
    }

    /// `repository-collaborator-permission`
    /// (https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user):
    /// maintain maps to write, triage to read.
    func permissionObject(login: String, role: String) -> JSONValue {
        let permission: String
        switch role {
        case "admin": permission = "admin"
        case "maintain", "write": permission = "write"
        case "triage", "read": permission = "read"
        default: permission = "none"
        }
        let rank = ["none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5][role] ?? 0
        guard case .object(var members) = user(login) else { return .null }
        members["permissions"] = .obj([
            "admin": .bool(rank >= 5), "maintain": .bool(rank >= 4), "push": .bool(rank >= 3),
            "triage": .bool(rank >= 2), "pull": .bool(rank >= 1),
        ])
        members["role_name"] = .string(role)
        return .obj(["permission": .string(permission), "role_name": .string(role), "user": .object(members)])
    }

    /// A trimmed `full-repository`. Authenticated requests also get the viewer's
    /// `permissions` (`{admin, maintain, push, triage, pull}`), as GitHub sends them.
    func repoObject(_ r: Int, viewer: String? = nil) -> JSONValue {
        let repo = repos[r]
        let id = repo.id ?? 0
        var object = repoFields(r, repo: repo, id: id)
        if let viewer, case .object(var members) = object {
            let role = role(of: viewer, in: r) ?? "none"
            let rank = ["none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5][role] ?? 0
            members["permissions"] = .obj([
                "admin": .bool(rank >= 5), "maintain": .bool(rank >= 4), "push": .bool(rank >= 3),
                "triage": .bool(rank >= 2), "pull": .bool(rank >= 1 || !repo.isPrivate),
            ])
            object = .object(members)
        }
        return object
    }

    private func repoFields(_ r: Int, repo: SimRepo, id: Int64) -> JSONValue {
        .obj([
            "id": .int(id),
            "node_id": .string("R_kgDO\(id)"),
            "name": .string(repo.name),
            "full_name": .string(repo.fullName),
            "private": .bool(repo.isPrivate),
            "owner": user(repo.owner),
            "html_url": .string("\(htmlBase)/\(repo.fullName)"),
            "description": .null,
            "fork": .bool(false),
            "url": .string(repoAPI(r)),
            "default_branch": .string(repo.defaultBranch),
            "visibility": .string(repo.isPrivate ? "private" : "public"),
            "has_issues": .bool(true),
            "archived": .bool(false),
            "disabled": .bool(false),
        ])
    }

    static func error(_ status: Int, _ message: String, doc: String = "https://docs.github.com/rest") -> SimResponse {
        .json(
            status,
            .obj([
                "message": .string(message), "documentation_url": .string(doc), "status": .string(String(status)),
            ])
        )
    }
}
