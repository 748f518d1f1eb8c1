import Foundation

/// GitHub REST commits, check runs and statuses of the forge (https://docs.github.com/en/rest/commits,
/// https://docs.github.com/en/rest/checks/runs): routes and payloads.
extension ForgeWorld {
    // MARK: Routes

    /// `GET /repos/{o}/{r}/commits/{ref}` ("Get a commit"): the detailed commit, or its bare SHA for
    /// `Accept: application/vnd.github.sha`.
    func getCommit(_ request: SimRequest, repo r: Int, ref: String) -> SimResponse {
        let resolved = resolveRef(ref, repo: r)
        if case .emptyRepository = resolved { return Self.emptyRepository }
        guard case .commit(let branch, let index) = resolved, let commit = commit(r, branch, index) else {
            return Self.error(
                422,
                "No commit found for SHA: \(ref)",
                doc: "https://docs.github.com/rest/commits/commits#get-a-commit"
            )
        }
        if request.header("accept")?.contains("application/vnd.github.sha") == true {
            return SimResponse(
                status: 200,
                headers: [("content-type", "application/vnd.github.sha; charset=utf-8")],
                body: Data((commit.sha ?? "").utf8)
            )
        }
        return .json(200, commitObject(commit, repo: r, branch: branch, index: index, detailed: true))
    }

    /// `GET …/commits/{ref}/statuses`: every status of the commit, newest first, paged.
    func listStatuses(_ request: SimRequest, repo r: Int, ref: String) -> SimResponse {
        let resolved = resolveRef(ref, repo: r)
        if case .emptyRepository = resolved { return Self.emptyRepository }
        guard let sha = sha(of: resolved, repo: r) else {
            return Self.error(
                404,
                "No commit found for the ref \(ref)",
                doc: "https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference"
            )
        }
        let list = (repos[r].statuses[sha] ?? []).reversed()
            .map { statusObject($0, repo: r, sha: sha, withCreator: true) }
        return paginated(Array(list), request)
    }

    /// Every ref of a repository without commits.
    static let emptyRepository = error(409, "Git Repository is empty.", doc: commitsDoc)

    static let commitsDoc = "https://docs.github.com/rest/commits/commits#list-commits"

    private func sha(of resolved: ResolvedRef, repo r: Int) -> String? {
        switch resolved {
        case .commit(let branch, let index): commit(r, branch, index)?.sha
        case .bareSHA(let sha): sha
        case .emptyRepository, .notFound: nil
        }
    }

    /// `GET /repos/{o}/{r}/commits`: `sha` (branch or SHA; default branch), `since`/`until` on the committer
    /// date, `author`, `per_page`/`page`; newest first.
    func listCommits(_ request: SimRequest, repo r: Int) -> SimResponse {
        let q = request.query
        guard hasCommits(r) else { return Self.emptyRepository }
        var bounds: [String: Date] = [:]
        for key in ["since", "until"] {
            guard let raw = q[key], !raw.isEmpty else { continue }
            guard let date = SimClock.parse(raw) else {
                return Self.error(400, "Invalid value for parameter '\(key)': \(raw)", doc: Self.commitsDoc)
            }
            bounds[key] = date
        }
        let ref = q["sha"].flatMap { $0.isEmpty ? nil : $0 } ?? repos[r].defaultBranch
        guard case .commit(let branch, let index) = resolveRef(ref, repo: r),
            let commits = repos[r].branches[branch]
        else {
            // Real GitHub names the ref it could not resolve (`?sha=afk/1-r1` once that branch is deleted).
            return Self.error(404, "No commit found for SHA: \(ref)", doc: Self.commitsDoc)
        }
        var items: [JSONValue] = []
        for k in stride(from: index, through: 0, by: -1) {
            let commit = commits[k]
            let date = commit.committedAt.flatMap(SimClock.parse)
            if let since = bounds["since"], let date, date < since { continue }
            if let until = bounds["until"], let date, date > until { continue }
            if let author = q["author"], !author.isEmpty, commit.author.lowercased() != author.lowercased() { continue }
            items.append(commitObject(commit, repo: r, branch: branch, index: k, detailed: false))
        }
        return paginated(items, request)
    }

    /// `GET …/commits/{ref}/check-runs`: `check_name`, `status`, `filter=latest|all`, `app_id`, paging.
    func listCheckRuns(_ request: SimRequest, repo r: Int, ref: String) -> SimResponse {
        let resolved = resolveRef(ref, repo: r)
        if case .emptyRepository = resolved { return Self.emptyRepository }
        guard let sha = sha(of: resolved, repo: r) else {
            return Self.error(
                422,
                "No commit found for SHA: \(ref)",
                doc: "https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference"
            )
        }
        let q = request.query
        let filter = q["filter"] ?? "latest"
        guard ["latest", "all"].contains(filter) else { return validationFailed("filter") }
        var runs = (repos[r].checkRuns[sha] ?? []).sorted { ($0.id ?? 0) > ($1.id ?? 0) }
        if filter == "latest" {
            var seen = Set<String>()
            runs = runs.filter { seen.insert($0.name).inserted }
        }
        if let name = q["check_name"], !name.isEmpty { runs = runs.filter { $0.name == name } }
        if let status = q["status"], !status.isEmpty { runs = runs.filter { $0.status == status } }
        if let app = q["app_id"], !app.isEmpty, app != String(Self.actionsAppID) { runs = [] }
        let (page, link) = paginate(runs.map { checkRunObject($0, repo: r, sha: sha) }, request)
        var response = SimResponse.json(200, .obj(["total_count": .num(runs.count), "check_runs": .array(page)]))
        if let link { response.setHeader("Link", link) }
        return response
    }

    /// Combined state as GitHub computes it
    /// (https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference):
    /// failure if any latest-per-context status is
    /// error/failure; pending if there are none or any is pending; success otherwise.
    static func combinedState(_ latest: [SimCommitStatus]) -> String {
        if latest.contains(where: { $0.state == "error" || $0.state == "failure" }) { return "failure" }
        if latest.isEmpty || latest.contains(where: { $0.state != "success" }) { return "pending" }
        return "success"
    }

    /// The newest status per context, in first-seen context order.
    func latestStatuses(repo r: Int, sha: String) -> [SimCommitStatus] {
        var order: [String] = []
        var latest: [String: SimCommitStatus] = [:]
        for status in repos[r].statuses[sha] ?? [] {
            if latest[status.context] == nil { order.append(status.context) }
            latest[status.context] = status
        }
        return order.compactMap { latest[$0] }
    }

    /// `GET …/commits/{ref}/status`: the combined status of the newest status per context.
    func combinedStatus(_ request: SimRequest, repo r: Int, ref: String) -> SimResponse {
        let resolved = resolveRef(ref, repo: r)
        if case .emptyRepository = resolved { return Self.emptyRepository }
        guard let sha = sha(of: resolved, repo: r) else {
            return Self.error(
                404,
                "No commit found for the ref \(ref)",
                doc: "https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference"
            )
        }
        let latest = latestStatuses(repo: r, sha: sha)
        let (page, link) = paginate(latest.map { statusObject($0, repo: r, sha: sha, withCreator: false) }, request)
        var response = SimResponse.json(
            200,
            .obj([
                "state": .string(Self.combinedState(latest)),
                "statuses": .array(page),
                "sha": .string(sha),
                "total_count": .num(latest.count),
                "repository": minimalRepoObject(r),
                "commit_url": .string("\(repoAPI(r))/commits/\(sha)"),
                "url": .string("\(repoAPI(r))/commits/\(sha)/status"),
            ])
        )
        if let link { response.setHeader("Link", link) }
        return response
    }

    // MARK: Payloads

    static func noreplyEmail(_ login: String) -> String {
        "\(userID(for: login))+\(login)@users.noreply.github.com"
    }

    /// `commit` (list item) or the single-commit form with `stats` and `files`.
    func commitObject(_ commit: SimCommit, repo r: Int, branch: String, index: Int, detailed: Bool) -> JSONValue {
        let sha = commit.sha ?? ""
        let repo = repos[r]
        let date = commit.committedAt ?? SimClock.github(SimClock.origin)
        let person: JSONValue = .obj([
            "name": .string(commit.author), "email": .string(Self.noreplyEmail(commit.author)), "date": .string(date),
        ])
        let tree = Self.hex40("tree|\(sha)")
        var parents: [JSONValue] = []
        if index > 0, let parent = repos[r].branches[branch]?[index - 1].sha {
            parents.append(
                .obj([
                    "sha": .string(parent),
                    "url": .string("\(repoAPI(r))/commits/\(parent)"),
                    "html_url": .string("\(htmlBase)/\(repo.fullName)/commit/\(parent)"),
                ])
            )
        }
        var members: [String: JSONValue] = [
            "sha": .string(sha),
            "node_id": .string("C_kwDO\(repo.id ?? 0)\(sha.prefix(12))"),
            "commit": .obj([
                "author": person,
                "committer": person,
                "message": .string(commit.message),
                "tree": .obj(["sha": .string(tree), "url": .string("\(repoAPI(r))/git/trees/\(tree)")]),
                "url": .string("\(repoAPI(r))/git/commits/\(sha)"),
                "comment_count": .int(0),
                "verification": .obj([
                    "verified": .bool(false), "reason": .string("unsigned"), "signature": .null, "payload": .null,
                    "verified_at": .null,
                ]),
            ]),
            "url": .string("\(repoAPI(r))/commits/\(sha)"),
            "html_url": .string("\(htmlBase)/\(repo.fullName)/commit/\(sha)"),
            "comments_url": .string("\(repoAPI(r))/commits/\(sha)/comments"),
            "author": user(commit.author),
            "committer": user(commit.author),
            "parents": .array(parents),
        ]
        if detailed {
            let blob = Self.hex40("blob|\(sha)")
            members["stats"] = .obj(["total": .int(1), "additions": .int(1), "deletions": .int(0)])
            members["files"] = .array([
                .obj([
                    "sha": .string(blob),
                    "filename": .string("CHANGELOG.md"),
                    "status": .string("modified"),
                    "additions": .int(1),
                    "deletions": .int(0),
                    "changes": .int(1),
                    "blob_url": .string("\(htmlBase)/\(repo.fullName)/blob/\(sha)/CHANGELOG.md"),
                    "raw_url": .string("\(htmlBase)/\(repo.fullName)/raw/\(sha)/CHANGELOG.md"),
                    "contents_url": .string("\(repoAPI(r))/contents/CHANGELOG.md?ref=\(sha)"),
                    "patch": .string(
                        "@@ -1 +1,2 @@\n # Changelog\n+- \(commit.message.split(separator: "\n").first ?? "")"
                    ),
                ])
            ])
        }
        return .object(members)
    }

    static let actionsAppID: Int64 = 15368

    /// The GitHub Actions app (`integration`) that owns simulated check runs.
    func actionsApp() -> JSONValue {
        var owner = user("github")
        if case .object(var members) = owner {
            members["type"] = .string("Organization")
            members["id"] = .int(9919)
            owner = .object(members)
        }
        return .obj([
            "id": .int(Self.actionsAppID),
            "slug": .string("github-actions"),
            "node_id": .string("MDM6QXBwMTUzNjg="),
            "client_id": .string("Iv1.05c79e9ad1f6bdfa"),
            "owner": owner,
            "name": .string("GitHub Actions"),
            "description": .string("Automate your workflow from idea to production"),
            "external_url": .string("https://help.github.com/en/actions"),
            "html_url": .string("https://github.com/apps/github-actions"),
            "created_at": .string("2018-07-30T09:30:17Z"),
            "updated_at": .string("2024-04-10T20:33:16Z"),
            "permissions": .obj([
                "actions": .string("write"), "checks": .string("write"), "contents": .string("write"),
                "metadata": .string("read"), "statuses": .string("write"),
            ]),
            "events": .array([.string("check_run"), .string("check_suite"), .string("push"), .string("pull_request")]),
        ])
    }

    /// `check-run`; `conclusion` and `completed_at` are null unless completed.
    func checkRunObject(_ run: SimCheckRun, repo r: Int, sha: String) -> JSONValue {
        let id = run.id ?? 0
        let repo = repos[r]
        let url = "\(apiBase)/repos/\(repo.fullName)/check-runs/\(id)"
        let html = "\(htmlBase)/\(repo.fullName)/actions/runs/\(id / 3)/job/\(id)"
        let completed = run.status == "completed"
        let suite = Int64(truncatingIfNeeded: UInt64(Self.hex40("suite|\(sha)").prefix(9), radix: 16) ?? 1)
        return .obj([
            "id": .int(id),
            "name": .string(run.name),
            "node_id": .string("CR_kwDO\(repo.id ?? 0)\(id)"),
            "head_sha": .string(sha),
            "external_id": .string(""),
            "url": .string(url),
            "html_url": .string(html),
            "details_url": .string(run.detailsURL ?? html),
            "status": .string(run.status),
            "conclusion": completed ? .str(run.conclusion) : .null,
            "started_at": .str(run.startedAt),
            "completed_at": completed ? .str(run.completedAt ?? run.startedAt) : .null,
            "output": .obj([
                "title": .str(run.title),
                "summary": .str(run.summary),
                "text": .null,
                "annotations_count": .int(0),
                "annotations_url": .string("\(url)/annotations"),
            ]),
            "check_suite": .obj(["id": .int(suite)]),
            "app": actionsApp(),
            "pull_requests": .array([]),
        ])
    }

    /// `simple-commit-status` (combined status) or `status` (list, with `creator`).
    func statusObject(_ status: SimCommitStatus, repo r: Int, sha: String, withCreator: Bool) -> JSONValue {
        let id = status.id ?? 0
        let creatorID = Self.userID(for: status.creator)
        var members: [String: JSONValue] = [
            "url": .string("\(repoAPI(r))/statuses/\(sha)"),
            "avatar_url": .string("https://avatars.githubusercontent.com/u/\(creatorID)?v=4"),
            "id": .int(id),
            "node_id": .string("SC_kwDO\(repos[r].id ?? 0)\(id)"),
            "state": .string(status.state),
            "description": .str(status.description),
            "target_url": .str(status.targetURL),
            "context": .string(status.context),
            "created_at": .str(status.createdAt),
            "updated_at": .str(status.createdAt),
        ]
        if withCreator { members["creator"] = user(status.creator) }
        return .object(members)
    }

    /// `minimal-repository` (the fields clients read, plus the URL templates GitHub always sends).
    func minimalRepoObject(_ r: Int) -> JSONValue {
        let repo = repos[r]
        let id = repo.id ?? 0
        let api = repoAPI(r)
        return .obj([
            "id": .int(id),
            "node_id": .string("R_kgDO\(id)"),
            "name": .string(repo.name),
            "full_name": .string(repo.fullName),
            "owner": user(repo.owner),
            "private": .bool(repo.isPrivate),
            "html_url": .string("\(htmlBase)/\(repo.fullName)"),
            "description": .null,
            "fork": .bool(false),
            "url": .string(api),
            "branches_url": .string("\(api)/branches{/branch}"),
            "commits_url": .string("\(api)/commits{/sha}"),
            "git_commits_url": .string("\(api)/git/commits{/sha}"),
            "issues_url": .string("\(api)/issues{/number}"),
            "labels_url": .string("\(api)/labels{/name}"),
            "pulls_url": .string("\(api)/pulls{/number}"),
            "statuses_url": .string("\(api)/statuses/{sha}"),
        ])
    }
}
