import Foundation

/// Renders Gitea/Forgejo API v1 payloads from the forge. Shapes follow the Go structs in
/// `modules/structs` (Forgejo @7958942e): no `omitempty` unless the struct says so, so absent values are
/// `""`, `0`, `false` or `null` exactly as Go's encoder writes them.
extension ForgeWorld {
    static let goZeroTime = "0001-01-01T00:00:00Z"
    static let forgejoUserCreated = "2025-01-01T00:00:00Z"

    // MARK: Users and permissions

    func isSiteAdmin(_ login: String, _ fj: ForgejoContext) -> Bool {
        fj.config.siteAdmins.contains { $0.lowercased() == login.lowercased() }
    }

    /// `GetUserRepoPermission`: site admin → admin, repository owner → owner, collaborators by their GitHub
    /// role (maintain → write, triage → read), everyone else read on public and none on private
    /// repositories.
    func forgejoAccess(_ login: String, repo r: Int, _ fj: ForgejoContext) -> ForgejoAccess {
        let repo = repos[r]
        if repo.owner.lowercased() == login.lowercased() { return .owner }
        if isSiteAdmin(login, fj) { return .admin }
        let floor: ForgejoAccess = repo.isPrivate ? .none : .read
        guard
            let role = repo.collaborators.first(where: { $0.key.lowercased() == login.lowercased() })?.value
                .lowercased()
        else {
            return floor
        }
        let mode: ForgejoAccess
        switch role {
        case "admin": mode = .admin
        case "maintain", "write": mode = .write
        case "triage", "read": mode = .read
        default: mode = .none
        }
        return max(mode, floor)
    }

    /// Every login the world mentions, lower-cased → canonical spelling (users that "exist" on the server).
    func forgejoKnownUsers(_ fj: ForgejoContext) -> [String: String] {
        var out: [String: String] = [:]
        func add(_ login: String?) {
            guard let login, !login.isEmpty, out[login.lowercased()] == nil else { return }
            out[login.lowercased()] = login
        }
        tokens.values.sorted().forEach(add)
        fj.config.siteAdmins.forEach(add)
        for repo in repos {
            add(repo.owner)
            repo.collaborators.keys.sorted().forEach(add)
            for issue in repo.issues {
                add(issue.author)
                for assignee in issue.assignees { add(assignee) }
                for comment in issue.comments { add(comment.user) }
                for event in issue.events {
                    add(event.actor)
                    add(event.assignee)
                }
            }
            for commits in repo.branches.values { for commit in commits { add(commit.author) } }
            for list in repo.statuses.values { for status in list { add(status.creator) } }
        }
        return out
    }

    /// `User`. `authed` (the caller itself, or a site admin asking) reveals `is_admin`, `active`,
    /// `last_login`, `language` and the e-mail, as `convert.toUser` does.
    func forgejoUser(_ login: String?, _ fj: ForgejoContext, authed: Bool = false) -> JSONValue {
        guard let login else {
            // `user_model.NewGhostUser()`.
            return .obj([
                "id": .int(-1), "login": .string("Ghost"), "login_name": .string(""), "source_id": .int(0),
                "full_name": .string(""), "email": .string(""),
                "avatar_url": .string("\(fj.appURL)assets/img/avatar_default.png"),
                "html_url": .string("\(fj.appURL)Ghost"), "language": .string(""), "is_admin": .bool(false),
                "last_login": .string(Self.goZeroTime), "created": .string(Self.goZeroTime), "restricted": .bool(false),
                "active": .bool(false), "prohibit_login": .bool(false), "location": .string(""),
                "pronouns": .string(""),
                "website": .string(""), "description": .string(""), "visibility": .string("public"),
                "followers_count": .int(0), "following_count": .int(0), "starred_repos_count": .int(0),
            ])
        }
        let id = Self.userID(for: login)
        let hash = String(Self.hex40("avatar|\(login.lowercased())").prefix(32))
        return .obj([
            "id": .int(id),
            "login": .string(login),
            "login_name": .string(""),
            "source_id": .int(0),
            "full_name": .string(""),
            "email": .string(authed ? "\(login.lowercased())@example.com" : "\(login.lowercased())@noreply.localhost"),
            "avatar_url": .string("\(fj.appURL)avatars/\(hash)"),
            "html_url": .string("\(fj.appURL)\(login)"),
            "language": .string(authed ? "en-US" : ""),
            "is_admin": .bool(authed && isSiteAdmin(login, fj)),
            "last_login": .string(authed ? SimClock.github(SimClock.origin) : Self.goZeroTime),
            "created": .string(Self.forgejoUserCreated),
            "restricted": .bool(false),
            "active": .bool(authed),
            "prohibit_login": .bool(false),
            "location": .string(""),
            "pronouns": .string(""),
            "website": .string(""),
            "description": .string(""),
            "visibility": .string("public"),
            "followers_count": .int(0),
            "following_count": .int(0),
            "starred_repos_count": .int(0),
        ])
    }

    /// `RepoCollaboratorPermission` (`convert.ToUserAndPermission`): `role_name` repeats `permission`.
    func forgejoPermissionObject(_ login: String, repo r: Int, _ fj: ForgejoContext) -> JSONValue {
        let mode = forgejoAccess(login, repo: r, fj).name
        return .obj([
            "permission": .string(mode), "role_name": .string(mode),
            "user": forgejoUser(
                login,
                fj,
                authed: login.lowercased() == fj.login.lowercased() || isSiteAdmin(fj.login, fj)
            ),
        ])
    }

    // MARK: Repository

    func forgejoRepoAPI(_ r: Int, _ fj: ForgejoContext) -> String {
        "\(fj.api)/repos/\(Self.pathEscape(repos[r].owner))/\(Self.pathEscape(repos[r].name))"
    }

    func forgejoRepoHTML(_ r: Int, _ fj: ForgejoContext) -> String {
        "\(fj.appURL)\(Self.pathEscape(repos[r].owner))/\(Self.pathEscape(repos[r].name))"
    }

    /// `Repository` (`convert.ToRepo`) with the caller's `permissions{admin, push, pull}`.
    func forgejoRepository(_ r: Int, _ fj: ForgejoContext) -> JSONValue {
        let repo = repos[r]
        let mode = forgejoAccess(fj.login, repo: r, fj)
        let api = forgejoRepoAPI(r, fj)
        let html = forgejoRepoHTML(r, fj)
        let host = URL(string: fj.appURL)?.host ?? "127.0.0.1"
        let openIssues = repo.issues.filter { !$0.isPullRequest && $0.state == "open" }.count
        let openPulls = repo.issues.filter { $0.isPullRequest && $0.state == "open" }.count
        return .obj([
            "id": .int(repo.id ?? 0),
            "owner": forgejoUser(repo.owner, fj),
            "name": .string(repo.name),
            "full_name": .string(repo.fullName),
            "description": .string(""),
            "empty": .bool(!hasCommits(r)),
            "private": .bool(repo.isPrivate),
            "fork": .bool(false),
            "template": .bool(false),
            "parent": .null,
            "mirror": .bool(false),
            "size": .int(0),
            "language": .string(""),
            "languages_url": .string("\(api)/languages"),
            "html_url": .string(html),
            "url": .string(api),
            "link": .string(""),
            "ssh_url": .string("ssh://git@\(host):2222/\(repo.fullName).git"),
            "clone_url": .string("\(html).git"),
            "original_url": .string(""),
            "website": .string(""),
            "stars_count": .int(0),
            "forks_count": .int(0),
            "watchers_count": .int(1),
            "open_issues_count": .num(openIssues),
            "open_pr_counter": .num(openPulls),
            "release_counter": .int(0),
            "default_branch": .string(repo.defaultBranch),
            "archived": .bool(false),
            "created_at": .string(SimClock.github(SimClock.origin)),
            "updated_at": .string(SimClock.github(SimClock.origin)),
            "archived_at": .string("1970-01-01T00:00:00Z"),
            "permissions": .obj([
                "admin": .bool(mode >= .admin), "push": .bool(mode >= .write), "pull": .bool(mode >= .read),
            ]),
            "has_issues": .bool(true),
            "internal_tracker": .obj([
                "enable_time_tracker": .bool(true), "allow_only_contributors_to_track_time": .bool(true),
                "enable_issue_dependencies": .bool(true),
            ]),
            "has_wiki": .bool(true),
            "wiki_branch": .string(repo.defaultBranch),
            "globally_editable_wiki": .bool(false),
            "has_pull_requests": .bool(true),
            "has_projects": .bool(true),
            "has_releases": .bool(true),
            "has_packages": .bool(true),
            "has_actions": .bool(true),
            "ignore_whitespace_conflicts": .bool(false),
            "allow_merge_commits": .bool(true),
            "allow_rebase": .bool(true),
            "allow_rebase_explicit": .bool(true),
            "allow_squash_merge": .bool(true),
            "allow_fast_forward_only_merge": .bool(true),
            "allow_rebase_update": .bool(true),
            "default_delete_branch_after_merge": .bool(false),
            "default_merge_style": .string("merge"),
            "default_allow_maintainer_edit": .bool(false),
            "default_update_style": .string("merge"),
            "avatar_url": .string(""),
            "internal": .bool(false),
            "mirror_interval": .string(""),
            "object_format_name": .string("sha1"),
            "mirror_updated": .string(Self.goZeroTime),
            "repo_transfer": .null,
            "topics": .array([]),
        ])
    }

    // MARK: Labels

    func forgejoLabelObject(_ label: SimLabel, repo r: Int, _ fj: ForgejoContext) -> JSONValue {
        let id = label.id ?? 0
        return .obj([
            "id": .int(id),
            "name": .string(label.name),
            "exclusive": .bool(false),
            "is_archived": .bool(false),
            "color": .string(
                (label.color ?? Self.color(for: label.name)).trimmingCharacters(in: CharacterSet(charactersIn: "#"))
            ),
            "description": .string(label.description ?? ""),
            "url": .string("\(forgejoRepoAPI(r, fj))/labels/\(id)"),
        ])
    }

    /// The repository label an issue's label name refers to (created on load when missing, so present).
    func repoLabel(_ name: String, repo r: Int) -> SimLabel {
        repos[r].labels.first { $0.name.lowercased() == name.lowercased() }
            ?? SimLabel(name: name, color: Self.color(for: name), id: 0)
    }

    /// The labels on an issue, ordered by name as `GetLabelsByIssueID` does.
    func forgejoIssueLabels(repo r: Int, issue i: Int, _ fj: ForgejoContext) -> [JSONValue] {
        repos[r].issues[i].labels.map { repoLabel($0, repo: r) }
            .sorted { ($0.name, $0.id ?? 0) < ($1.name, $1.id ?? 0) }
            .map { forgejoLabelObject($0, repo: r, fj) }
    }

    // MARK: Issues and comments

    func forgejoIssueHTML(repo r: Int, issue i: Int, _ fj: ForgejoContext) -> String {
        let issue = repos[r].issues[i]
        return "\(forgejoRepoHTML(r, fj))/\(issue.isPullRequest ? "pulls" : "issues")/\(issue.number)"
    }

    /// `Issue` (`convert.ToAPIIssue`): no `state_reason`, no `author_association`; `pull_request` is `null`
    /// on issues and `{merged, merged_at, draft, html_url}` on pull requests; `assignees` is `null` when empty.
    func forgejoIssue(repo r: Int, issue i: Int, _ fj: ForgejoContext) -> JSONValue {
        let repo = repos[r]
        let issue = repo.issues[i]
        let html = forgejoIssueHTML(repo: r, issue: i, fj)
        let pull = pullIndex(repo: r, number: issue.number).map { repos[r].pulls[$0] }
        return .obj([
            "id": .int(issue.id ?? 0),
            "url": .string("\(forgejoRepoAPI(r, fj))/issues/\(issue.number)"),
            "html_url": .string(html),
            "number": .num(issue.number),
            "user": forgejoUser(issue.author, fj),
            "original_author": .string(""),
            "original_author_id": .int(0),
            "title": .string(issue.title),
            "body": .string(issue.body ?? ""),
            "ref": .string(""),
            "assets": .array([]),
            "labels": .array(forgejoIssueLabels(repo: r, issue: i, fj)),
            "milestone": .null,
            "assignee": issue.assignees.first.map { forgejoUser($0, fj) } ?? .null,
            "assignees": issue.assignees.isEmpty ? .null : .array(issue.assignees.map { forgejoUser($0, fj) }),
            "state": .string(issue.state),
            "is_locked": .bool(issue.locked),
            "comments": .num(issue.comments.count),
            "created_at": .str(issue.createdAt),
            "updated_at": .str(issue.updatedAt),
            "closed_at": issue.state == "closed" ? .str(issue.closedAt ?? issue.updatedAt) : .null,
            "due_date": .null,
            "pull_request": issue.isPullRequest
                ? .obj([
                    "merged": .bool(pull?.merged ?? false), "merged_at": .str(pull?.mergedAt),
                    "draft": .bool(pull?.draft ?? false), "html_url": .string(html),
                ])
                : .null,
            "repository": .obj([
                "id": .int(repo.id ?? 0), "name": .string(repo.name), "owner": .string(repo.owner),
                "full_name": .string(repo.fullName),
            ]),
            "pin_order": .int(0),
        ])
    }

    /// `Comment` (`convert.ToAPIComment`): `issue_url` is the issue's **HTML** URL (empty on pull requests)
    /// and `pull_request_url` the pull request's (empty on issues).
    func forgejoComment(_ comment: SimComment, repo r: Int, issue i: Int, _ fj: ForgejoContext) -> JSONValue {
        let issue = repos[r].issues[i]
        let html = forgejoIssueHTML(repo: r, issue: i, fj)
        let id = comment.id ?? 0
        return .obj([
            "id": .int(id),
            "html_url": .string("\(html)#issuecomment-\(id)"),
            "pull_request_url": .string(issue.isPullRequest ? html : ""),
            "issue_url": .string(issue.isPullRequest ? "" : html),
            "user": forgejoUser(comment.user, fj),
            "original_author": .string(""),
            "original_author_id": .int(0),
            "body": .string(comment.body),
            "assets": .array([]),
            "created_at": .str(comment.createdAt),
            "updated_at": .str(comment.updatedAt ?? comment.createdAt),
        ])
    }

    /// One timeline entry: the world's comment or event in `TimelineComment` form, with its sort time.
    struct ForgejoTimelineEntry {
        var time: String
        var id: Int64
        var json: JSONValue
    }

    /// `TimelineComment[]` of an issue: comments (`comment`) and the events the world has —
    /// `label` (body `"1"` added, `""` removed), `close`, `reopen`, `assignees`, `change_title` — oldest first.
    func forgejoTimeline(repo r: Int, issue i: Int, _ fj: ForgejoContext) -> [ForgejoTimelineEntry] {
        let issue = repos[r].issues[i]
        let html = forgejoIssueHTML(repo: r, issue: i, fj)
        func entry(
            id: Int64,
            type: String,
            user: String?,
            body: String,
            created: String?,
            updated: String?,
            label: JSONValue = .null,
            assignee: JSONValue = .null,
            removedAssignee: Bool = false,
            oldTitle: String = "",
            newTitle: String = ""
        ) -> JSONValue {
            .obj([
                "id": .int(id),
                "type": .string(type),
                "html_url": .string("\(html)#issuecomment-\(id)"),
                "pull_request_url": .string(issue.isPullRequest ? html : ""),
                "issue_url": .string(issue.isPullRequest ? "" : html),
                "user": forgejoUser(user, fj),
                "body": .string(body),
                "created_at": .str(created),
                "updated_at": .str(updated ?? created),
                "old_project_id": .int(0),
                "project_id": .int(0),
                "old_milestone": .null,
                "milestone": .null,
                "tracked_time": .null,
                "old_title": .string(oldTitle),
                "new_title": .string(newTitle),
                "old_ref": .string(""),
                "new_ref": .string(""),
                "ref_issue": .null,
                "ref_comment": .null,
                "ref_action": .string("none"),
                "ref_commit_sha": .string(""),
                "review_id": .int(0),
                "label": label,
                "assignee": assignee,
                "assignee_team": .null,
                "removed_assignee": .bool(removedAssignee),
                "resolve_doer": .null,
                "dependent_issue": .null,
            ])
        }
        var out: [ForgejoTimelineEntry] = []
        for comment in issue.comments {
            let id = comment.id ?? 0
            out.append(
                ForgejoTimelineEntry(
                    time: comment.createdAt ?? "",
                    id: id,
                    json: entry(
                        id: id,
                        type: "comment",
                        user: comment.user,
                        body: comment.body,
                        created: comment.createdAt,
                        updated: comment.updatedAt
                    )
                )
            )
        }
        for event in issue.events {
            let id = event.id ?? 0
            let json: JSONValue
            switch event.event {
            case "labeled", "unlabeled":
                let label = forgejoLabelObject(repoLabel(event.label ?? "", repo: r), repo: r, fj)
                json = entry(
                    id: id,
                    type: "label",
                    user: event.actor,
                    body: event.event == "labeled" ? "1" : "",
                    created: event.createdAt,
                    updated: event.createdAt,
                    label: label
                )
            case "closed":
                json = entry(
                    id: id,
                    type: "close",
                    user: event.actor,
                    body: "",
                    created: event.createdAt,
                    updated: event.createdAt
                )
            case "reopened":
                json = entry(
                    id: id,
                    type: "reopen",
                    user: event.actor,
                    body: "",
                    created: event.createdAt,
                    updated: event.createdAt
                )
            case "assigned", "unassigned":
                json = entry(
                    id: id,
                    type: "assignees",
                    user: event.actor,
                    body: "",
                    created: event.createdAt,
                    updated: event.createdAt,
                    assignee: forgejoUser(event.assignee ?? event.actor, fj),
                    removedAssignee: event.event == "unassigned"
                )
            case "renamed":
                json = entry(
                    id: id,
                    type: "change_title",
                    user: event.actor,
                    body: "",
                    created: event.createdAt,
                    updated: event.createdAt,
                    oldTitle: event.renameFrom ?? "",
                    newTitle: event.renameTo ?? ""
                )
            default:
                continue
            }
            out.append(ForgejoTimelineEntry(time: event.createdAt ?? "", id: id, json: json))
        }
        return out.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }

    // MARK: Commits

    /// `Commit` (`convert.ToCommit`): `url` points at `git/commits/{sha}`, `commit.tree.sha` is the commit
    /// SHA (as Forgejo sends it), `files`/`stats`/`commit.verification` are `null` when switched off.
    func forgejoCommit(
        _ commit: SimCommit,
        repo r: Int,
        branch: String,
        index: Int,
        _ fj: ForgejoContext,
        stat: Bool,
        verification: Bool,
        files: Bool
    ) -> JSONValue {
        let sha = commit.sha ?? ""
        let api = forgejoRepoAPI(r, fj)
        let date = commit.committedAt ?? SimClock.github(SimClock.origin)
        let person: JSONValue = .obj([
            "name": .string(commit.author), "email": .string("\(commit.author.lowercased())@noreply.localhost"),
            "date": .string(date),
        ])
        var parents: [JSONValue] = []
        if index > 0, let parent = repos[r].branches[branch]?[index - 1].sha {
            parents.append(
                .obj([
                    "url": .string("\(api)/git/commits/\(parent)"), "sha": .string(parent),
                    "created": .string(Self.goZeroTime),
                ])
            )
        }
        return .obj([
            "url": .string("\(api)/git/commits/\(sha)"),
            "sha": .string(sha),
            "created": .string(date),
            "html_url": .string("\(forgejoRepoHTML(r, fj))/commit/\(sha)"),
            "commit": .obj([
                "url": .string("\(api)/git/commits/\(sha)"),
                "author": person,
                "committer": person,
                "message": .string(commit.message.hasSuffix("\n") ? commit.message : commit.message + "\n"),
                "tree": .obj(["url": .string("\(api)/git/trees/\(sha)"), "sha": .string(sha), "created": .string(date)]
                ),
                "verification": verification
                    ? .obj([
                        "verified": .bool(false), "reason": .string("gpg.error.not_signed_commit"),
                        "signature": .string(""),
                        "signer": .null, "payload": .string(""),
                    ])
                    : .null,
            ]),
            "author": forgejoUser(commit.author, fj),
            "committer": forgejoUser(commit.author, fj),
            "parents": .array(parents),
            "files": files
                ? .array([.obj(["filename": .string("CHANGELOG.md"), "status": .string("modified")])]) : .null,
            "stats": stat ? .obj(["total": .int(1), "additions": .int(1), "deletions": .int(0)]) : .null,
        ])
    }

    // MARK: Commit statuses

    /// `CommitStatus`: the state is under **`status`**; `id` is the status' per-commit index.
    func forgejoStatus(_ status: SimCommitStatus, index: Int, repo r: Int, sha: String, _ fj: ForgejoContext)
        -> JSONValue
    {
        .obj([
            "id": .num(index),
            "status": .string(status.state),
            "target_url": .string(status.targetURL ?? ""),
            "description": .string(status.description ?? ""),
            "url": .string("\(forgejoRepoAPI(r, fj))/statuses/\(sha)"),
            "context": .string(status.context),
            "creator": forgejoUser(status.creator, fj),
            "created_at": .str(status.createdAt),
            "updated_at": .str(status.createdAt),
        ])
    }

    /// Forgejo (`convert.ToCombinedStatus`): the worst latest status (error < failure < warning < pending <
    /// success; unknown states never win after the first), then error → failure.
    static func forgejoCombinedState(_ states: [String]) -> String {
        let priority = ["error": 0, "failure": 1, "warning": 2, "pending": 3, "success": 4]
        var state = ""
        for candidate in states {
            if state.isEmpty {
                state = candidate
            } else if let a = priority[candidate], let b = priority[state], a <= b {
                state = candidate
            }
        }
        return state == "error" ? "failure" : state
    }

    /// Gitea (`modules/commitstatus`): error, failure or warning → failure; all success/skipped → success;
    /// otherwise (and with none) pending.
    static func giteaCombinedState(_ states: [String]) -> String {
        if states.contains(where: { ["error", "failure", "warning"].contains($0) }) { return "failure" }
        if !states.isEmpty, states.allSatisfy({ $0 == "success" || $0 == "skipped" }) { return "success" }
        return "pending"
    }
}
