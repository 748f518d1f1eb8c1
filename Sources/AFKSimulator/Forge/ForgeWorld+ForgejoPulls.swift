import Foundation

/// Gitea/Forgejo API v1 pull requests, reviews and branches of the forge (https://codeberg.org/api/swagger;
/// behaviour as Forgejo @7958942e `routers/api/v1/repo/pull.go`, `pull_review.go`, `branch.go`): routes and
/// payloads.
extension ForgeWorld {
    /// The pull-request and branch operations of the `/forgejo` view (swagger spelling). `/pulls/{base}/{head}`
    /// comes last: Forgejo routes it as `/{base}/*`, after the `/{index}/…` routes.
    static let forgejoPullRoutes: [Route<ForgejoHandler>] = [
        forgejoRepoRoute("GET", "/branches/{branch...}") { world, call, r in
            guard world.repos[r].branches[call["branch"]] != nil else {
                return Self.forgejoNotFound(call.context, errors: ["branch does not exist [name: \(call["branch"])]"])
            }
            return .json(
                200,
                world.forgejoBranch(call["branch"], repo: r, call.context),
                headers: Self.forgejoJSONHeader
            )
        },
        forgejoRepoRoute("DELETE", "/branches/{branch...}") { world, call, r in
            world.forgejoDeleteBranch(call["branch"], repo: r, call.context)
        },
        forgejoRepoRoute("GET", "/branch_protections") { world, call, r in
            // `reqAdmin()`.
            guard world.forgejoAccess(call.login, repo: r, call.context) >= .admin else {
                return Self.forgejoError(
                    403,
                    "user should be an owner or a collaborator with admin write of a repository",
                    call.context
                )
            }
            let items = world.repos[r].protection.keys.sorted()
                .compactMap { name in
                    world.repos[r].protection[name].map { world.forgejoProtection(name, $0, repo: r, call.context) }
                }
            return .json(200, .array(items), headers: Self.forgejoJSONHeader)
        },
        forgejoRepoRoute("GET", "/pulls") { world, call, r in
            world.forgejoListPulls(call.request, repo: r, call.context)
        },
        forgejoRepoRoute("POST", "/pulls") { world, call, r in
            world.forgejoCreatePull(call.request, repo: r, call.context)
        },
        forgejoPullRoute("GET", "") { world, call, r, p in
            let known = world.readMergeability(repo: r, pull: p)
            return .json(
                200,
                world.forgejoPull(repo: r, pull: p, call.context, mergeabilityKnown: known),
                headers: Self.forgejoJSONHeader
            )
        },
        forgejoPullRoute("POST", "/update") { world, call, r, p in
            world.forgejoUpdatePull(call.request, repo: r, pull: p, call.context)
        },
        forgejoPullRoute("POST", "/merge") { world, call, r, p in
            world.forgejoMergePull(call.request, repo: r, pull: p, call.context)
        },
        forgejoPullRoute("GET", "/reviews") { world, call, r, p in
            let reviews = world.repos[r].pulls[p].reviews.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
            let page = Self.forgejoSlice(reviews, call.request)
                .map { world.forgejoReview($0, repo: r, pull: p, call.context) }
            return .json(200, .array(page), headers: Self.forgejoJSONHeader)
        },
        forgejoRepoRoute("GET", "/pulls/{base}/{head...}") { world, call, r in
            // `GetPullRequestByBaseHead`: no state filter and no order; `head` may be `owner:branch`.
            var head = call["head"]
            if let colon = head.lastIndex(of: ":") { head = String(head[head.index(after: colon)...]) }
            guard
                let p = world.repos[r].pulls.indices
                    .first(where: {
                        world.repos[r].pulls[$0].head == head && world.baseBranch(repo: r, pull: $0) == call["base"]
                    })
            else {
                return Self.forgejoNotFound(call.context)
            }
            return .json(
                200,
                world.forgejoPull(
                    repo: r,
                    pull: p,
                    call.context,
                    mergeabilityKnown: world.repos[r].pulls[p].mergeabilityKnown
                ),
                headers: Self.forgejoJSONHeader
            )
        },
    ]

    /// A route under `/repos/{owner}/{repo}/pulls/{index}`: an index that is not a pull request is a 404.
    private static func forgejoPullRoute(
        _ method: String,
        _ tail: String,
        _ body: @escaping @Sendable (inout ForgeWorld, RouteCall<ForgejoContext>, Int, Int) -> SimResponse
    ) -> Route<ForgejoHandler> {
        forgejoRepoRoute(method, "/pulls/{index}" + tail) { world, call, r in
            guard let number = Int(call["index"]), let p = world.pullIndex(repo: r, number: number) else {
                return Self.forgejoNotFound(call.context)
            }
            return body(&world, call, r, p)
        }
    }

    /// A JSON member the way Go's `encoding/json` binds it: the key matches `name` case-insensitively
    /// (`do` binds `Do`; `merge_title_field` does not bind `MergeTitleField`).
    static func goField(_ json: JSONValue, _ name: String) -> JSONValue? {
        guard let members = json.objectValue else { return nil }
        if let exact = members[name] { return exact }
        return members.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    // MARK: Create and list

    /// `CreatePullRequest`: 201; 404 for an unknown head or base branch; 422 when head and base are the same
    /// branch; 409 when an open pull request has the same head and base (`issue_id` is the pull request's number).
    private mutating func forgejoCreatePull(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.forgejoError(422, "[]: invalid character in JSON body", fj)
        }
        for (key, field) in [("title", "Title"), ("head", "Head"), ("base", "Base")]
        where (json[key]?.stringValue ?? "").isEmpty {
            return Self.forgejoError(422, "[\(field)]: Required", fj)
        }
        var head = json["head"]?.stringValue ?? ""
        if let colon = head.lastIndex(of: ":") { head = String(head[head.index(after: colon)...]) }
        let base = json["base"]?.stringValue ?? ""
        guard repos[r].branches[head] != nil, repos[r].branches[base] != nil else { return Self.forgejoNotFound(fj) }
        guard head != base else {
            return Self.forgejoError(
                422,
                "Invalid PullRequest: There are no changes between the head and the base",
                fj
            )
        }
        if let existing = repos[r].pulls.indices
            .first(where: {
                isOpen(repo: r, pull: $0) && repos[r].pulls[$0].head == head && baseBranch(repo: r, pull: $0) == base
            })
        {
            let pull = repos[r].pulls[existing]
            let id = (pullIssue(repo: r, pull: existing)?.id ?? 0) + 100_000_000
            let repoID = repos[r].id ?? 0
            return Self.forgejoError(
                409,
                "pull request already exists for these targets [id: \(id), issue_id: \(pull.number), head_repo_id: \(repoID), base_repo_id: \(repoID), head_branch: \(head), base_branch: \(base)]",
                fj
            )
        }
        let p = createPull(
            repo: r,
            head: head,
            base: base,
            title: json["title"]?.stringValue ?? "",
            body: json["body"]?.stringValue,
            draft: false,
            author: fj.login,
            now: fj.now
        )
        return .json(201, forgejoPull(repo: r, pull: p, fj, mergeabilityKnown: false), headers: Self.forgejoJSONHeader)
    }

    /// `ListPullRequests`: `state` (default open), `sort`, `page`, `limit` (≤ 50); no `head` filter. Newest first.
    private func forgejoListPulls(_ request: SimRequest, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        let state = request.query["state"] ?? "open"
        var indices = repos[r].pulls.indices
            .filter { p in
                let issueState = pullIssue(repo: r, pull: p)?.state ?? "open"
                switch state {
                case "closed": return issueState == "closed"
                case "all": return true
                default: return issueState == "open"
                }
            }
        let oldest = request.query["sort"] == "oldest"
        indices.sort { a, b in
            let x = (pullIssue(repo: r, pull: a)?.createdAt ?? "", repos[r].pulls[a].number)
            let y = (pullIssue(repo: r, pull: b)?.createdAt ?? "", repos[r].pulls[b].number)
            return oldest ? x < y : x > y
        }
        let page = Self.forgejoSlice(indices, request)
            .map { forgejoPull(repo: r, pull: $0, fj, mergeabilityKnown: repos[r].pulls[$0].mergeabilityKnown) }
        return Self.forgejoList(page, total: indices.count, link: true, request, fj)
    }

    // MARK: Merge and update

    /// `ErrDisallowedToMerge` reasons (`services/pull/merge.go CheckPullBranchProtections`).
    static func forgejoGateReason(_ gate: MergeGate) -> String? {
        switch gate {
        case .check: "Not all required status checks successful"
        case .approvals: "Does not have enough approvals"
        case .behind: "The head branch is behind the base branch"
        case .draft, .conflict, .mergeQueue, .changesRequested: nil
        }
    }

    /// `MergePullRequest` (`Do`, `MergeTitleField`, `MergeMessageField`, `head_commit_id`, `force_merge`,
    /// `delete_branch_after_merge`): 200 with no body; 405 "The PR is already merged", "User not allowed to merge
    /// PR", "Work in progress PRs cannot be merged", "Please try again later" (conflict, or mergeability not yet
    /// computed) or `not allowed to merge [reason: …]`; 404 when closed; 409 "head out of date".
    private mutating func forgejoMergePull(_ request: SimRequest, repo r: Int, pull p: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.forgejoError(422, "[]: invalid character in JSON body", fj)
        }
        func field(_ go: String, _ snake: String) -> JSONValue? {
            Self.goField(json, go) ?? (fj.config.isGitea ? json[snake] : nil)
        }
        let style = field("Do", "do")?.stringValue ?? ""
        let styles = ["merge", "rebase", "rebase-merge", "squash", "fast-forward-only", "manually-merged"]
        guard !style.isEmpty else { return Self.forgejoError(422, "[Do]: Required", fj) }
        guard styles.contains(style) else { return Self.forgejoError(422, "[Do]: In", fj) }
        let pull = repos[r].pulls[p]
        if pull.merged { return Self.forgejoError(405, "The PR is already merged", fj) }
        guard isOpen(repo: r, pull: p) else { return Self.forgejoNotFound(fj) }
        let access = forgejoAccess(fj.login, repo: r, fj)
        guard access >= .write else { return Self.forgejoError(405, "User not allowed to merge PR", fj) }
        if pull.draft { return Self.forgejoError(405, "Work in progress PRs cannot be merged", fj) }
        let known = readMergeability(repo: r, pull: p)
        if !known || pull.conflicted { return Self.forgejoError(405, "Please try again later", fj) }
        let force = Self.goField(json, "force_merge")?.boolValue ?? false
        if !(force && access >= .admin),
            let reason = mergeGates(repo: r, pull: p).lazy.compactMap(Self.forgejoGateReason).first
        {
            return Self.forgejoError(405, "not allowed to merge [reason: \(reason)]", fj)
        }
        if let expected = Self.goField(json, "head_commit_id")?.stringValue, !expected.isEmpty,
            expected.lowercased() != headSHA(repo: r, pull: p)
        {
            return Self.forgejoError(409, "head out of date", fj)
        }
        let issueTitle = pullIssue(repo: r, pull: p)?.title ?? pull.title
        let base = baseBranch(repo: r, pull: p)
        let title = field("MergeTitleField", "merge_title_field")?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let extra = field("MergeMessageField", "merge_message_field")?.stringValue ?? ""
        let method: String
        let defaultTitle: String
        switch style {
        case "squash":
            method = "squash"
            defaultTitle = "\(issueTitle) (#\(pull.number))"
        case "rebase", "rebase-merge":
            method = "rebase"
            defaultTitle = ""
        case "fast-forward-only", "manually-merged":
            method = "fast-forward"
            defaultTitle = ""
        default:
            method = "merge"
            defaultTitle = "Merge pull request '\(issueTitle)' (#\(pull.number)) from \(pull.head) into \(base)"
        }
        let head = title ?? defaultTitle
        let message: String? = head.isEmpty ? nil : (extra.isEmpty ? head : "\(head)\n\n\(extra)")
        mergePull(repo: r, pull: p, method: method, message: message, by: fj.login, now: fj.now)
        if Self.goField(json, "delete_branch_after_merge")?.boolValue == true {
            _ = deleteBranch(repo: r, branch: pull.head, by: fj.login, now: fj.now)
        }
        return SimResponse(status: 200)
    }

    /// `UpdatePullRequest` (`?style=merge|rebase`): 200 with no body (also when the head already has the base);
    /// 409 "merge conflicts"; 422 when the pull request is closed or merged.
    private mutating func forgejoUpdatePull(_ request: SimRequest, repo r: Int, pull p: Int, _ fj: ForgejoContext)
        -> SimResponse
    {
        guard isOpen(repo: r, pull: p) else { return SimResponse(status: 422) }
        guard forgejoAccess(fj.login, repo: r, fj) >= .write else { return Self.forgejoForbidden }
        let style = request.query["style"] == "rebase" ? "rebase" : "merge"
        switch updatePullBranch(repo: r, pull: p, style: style, by: fj.login, now: fj.now) {
        case .failure(.conflict): return Self.forgejoError(409, "merge conflicts", fj)
        case .failure(.upToDate), .success: return SimResponse(status: 200)
        }
    }

    /// `DeleteBranch`: 204; 404 when there is no such branch; 403 for the default or a protected branch.
    private mutating func forgejoDeleteBranch(_ branch: String, repo r: Int, _ fj: ForgejoContext) -> SimResponse {
        guard forgejoAccess(fj.login, repo: r, fj) >= .write else { return Self.forgejoForbidden }
        guard repos[r].branches[branch] != nil else { return Self.forgejoNotFound(fj) }
        if branch == repos[r].defaultBranch { return Self.forgejoError(403, "can not delete default branch", fj) }
        if protection(repo: r, branch: branch) != nil { return Self.forgejoError(403, "branch protected", fj) }
        _ = deleteBranch(repo: r, branch: branch, by: fj.login, now: fj.now)
        return SimResponse(status: 204)
    }

    // MARK: Payloads

    /// `PullRequest` (`convert.ToAPIPullRequest`). `mergeable` is never null: false until computed, on a
    /// conflict and on a draft; it ignores reviews, checks and protection.
    func forgejoPull(repo r: Int, pull p: Int, _ fj: ForgejoContext, mergeabilityKnown: Bool) -> JSONValue {
        let repo = repos[r]
        let pull = repo.pulls[p]
        let i = issueIndex(repo: r, number: pull.number)
        let issue = i.map { repo.issues[$0] }
        let html = "\(forgejoRepoHTML(r, fj))/pulls/\(pull.number)"
        let head = headSHA(repo: r, pull: p)
        let base = baseBranch(repo: r, pull: p)
        let open = isOpen(repo: r, pull: p)
        let own = headOnlyCommits(repo: r, head: pull.head, base: base).count
        func ref(_ name: String, _ sha: String) -> JSONValue {
            .obj([
                "label": .string(name), "ref": .string(name), "sha": .string(sha), "repo_id": .int(repo.id ?? 0),
                "repo": forgejoRepository(r, fj),
            ])
        }
        let closed = issue?.state == "closed"
        let assignees = (issue?.assignees ?? []).map { forgejoUser($0, fj) }
        let labels: [JSONValue] = i.map { forgejoIssueLabels(repo: r, issue: $0, fj) } ?? []
        let mergeable = open && mergeabilityKnown && !pull.conflicted && !pull.draft
        let closedAt: JSONValue = closed ? .str(issue?.closedAt ?? issue?.updatedAt) : .null
        let mergedBy: JSONValue = pull.mergedBy.map { forgejoUser($0, fj) } ?? .null
        let baseTip = tipSHA(repo: r, branch: base) ?? ""
        var members: [String: JSONValue] = [:]
        members["id"] = .int((issue?.id ?? Int64(pull.number)) + 100_000_000)
        members["url"] = .string(html)
        members["number"] = .num(pull.number)
        members["user"] = forgejoUser(issue?.author ?? pull.author, fj)
        members["title"] = .string(issue?.title ?? pull.title)
        members["body"] = .string(issue?.body ?? pull.body ?? "")
        members["labels"] = .array(labels)
        members["assignee"] = assignees.first ?? .null
        members["assignees"] = assignees.isEmpty ? .null : .array(assignees)
        members["state"] = .string(issue?.state ?? pull.state)
        members["is_locked"] = .bool(issue?.locked ?? false)
        members["comments"] = .num(issue?.comments.count ?? 0)
        members["created_at"] = .str(issue?.createdAt ?? pull.createdAt)
        members["updated_at"] = .str(issue?.updatedAt ?? pull.createdAt)
        return .object(
            members.merging(
                [
                    "milestone": .null,
                    "requested_reviewers": .null,
                    "requested_reviewers_teams": .null,
                    "draft": .bool(pull.draft),
                    "review_comments": .int(0),
                    "additions": .num(own),
                    "deletions": .int(0),
                    "changed_files": .int(own > 0 ? 1 : 0),
                    "html_url": .string(html),
                    "diff_url": .string("\(html).diff"),
                    "patch_url": .string("\(html).patch"),
                    "mergeable": .bool(mergeable),
                    "merged": .bool(pull.merged),
                    "merged_at": .str(pull.mergedAt),
                    "merge_commit_sha": .str(pull.mergeCommitSHA),
                    "merged_by": mergedBy,
                    "allow_maintainer_edit": .bool(false),
                    "base": ref(base, baseTip),
                    "head": ref(pull.head, head),
                    "merge_base": .string(baseTip),
                    "due_date": .null,
                    "closed_at": closedAt,
                    "pin_order": .int(0),
                    "flow": .int(0),
                ]
            ) { $1 }
        )
    }

    /// `PullReview`: GitHub's `CHANGES_REQUESTED`/`COMMENTED` are `REQUEST_CHANGES`/`COMMENT`; `stale` when
    /// submitted against an older head; `official` when the reviewer may write.
    func forgejoReview(_ review: SimReview, repo r: Int, pull p: Int, _ fj: ForgejoContext) -> JSONValue {
        let state: String =
            switch review.state {
            case "APPROVED": "APPROVED"
            case "CHANGES_REQUESTED": "REQUEST_CHANGES"
            case "PENDING": "PENDING"
            default: "COMMENT"
            }
        let html = "\(forgejoRepoHTML(r, fj))/pulls/\(repos[r].pulls[p].number)"
        let id = review.id ?? 0
        return .obj([
            "id": .int(id),
            "user": forgejoUser(review.user, fj),
            "team": .null,
            "state": .string(state),
            "body": .string(review.body),
            "commit_id": .string(review.commitID ?? ""),
            "stale": .bool(review.commitID != headSHA(repo: r, pull: p)),
            "official": .bool(forgejoAccess(review.user, repo: r, fj) >= .write),
            "dismissed": .bool(review.state == "DISMISSED"),
            "codecomments_count": .int(0),
            "submitted_at": .str(review.submittedAt),
            "updated_at": .str(review.submittedAt),
            "html_url": .string("\(html)#issuecomment-\(id)"),
            "pull_request_url": .string(html),
        ])
    }

    /// `Branch` (`convert.ToBranch`) with the caller's `user_can_push` / `user_can_merge`.
    func forgejoBranch(_ name: String, repo r: Int, _ fj: ForgejoContext) -> JSONValue {
        let tip = repos[r].branches[name]?.last
        let rules = protection(repo: r, branch: name)
        let writer = forgejoAccess(fj.login, repo: r, fj) >= .write
        let sha = tip?.sha ?? ""
        let person: JSONValue = .obj([
            "name": .string(tip?.author ?? ""),
            "email": .string("\((tip?.author ?? "").lowercased())@noreply.localhost"),
            "username": .string(tip?.author ?? ""),
        ])
        return .obj([
            "name": .string(name),
            "commit": .obj([
                "id": .string(sha),
                "message": .string(tip.map { $0.message.hasSuffix("\n") ? $0.message : $0.message + "\n" } ?? ""),
                "url": .string("\(forgejoRepoHTML(r, fj))/commit/\(sha)"),
                "author": person,
                "committer": person,
                "verification": .null,
                "timestamp": .str(tip?.committedAt),
                "added": .null,
                "removed": .null,
                "modified": .null,
            ]),
            "protected": .bool(rules != nil),
            "required_approvals": .num(rules?.requiredApprovals ?? 0),
            "enable_status_check": .bool(!(rules?.requiredChecks ?? []).isEmpty),
            "status_check_contexts": .array((rules?.requiredChecks ?? []).map(JSONValue.string)),
            "user_can_push": .bool(writer && rules?.requirePullRequest != true),
            "user_can_merge": .bool(writer),
            "effective_branch_protection_name": .string(rules == nil ? "" : name),
        ])
    }

    /// `BranchProtection` (the fields the simulated rules map to).
    func forgejoProtection(_ name: String, _ rules: SimBranchProtection, repo r: Int, _ fj: ForgejoContext)
        -> JSONValue
    {
        .obj([
            "branch_name": .string(name),
            "rule_name": .string(name),
            "enable_push": .bool(!rules.requirePullRequest),
            "enable_status_check": .bool(!rules.requiredChecks.isEmpty),
            "status_check_contexts": .array(rules.requiredChecks.map(JSONValue.string)),
            "required_approvals": .num(rules.requiredApprovals),
            "block_on_outdated_branch": .bool(rules.strict),
            "block_on_rejected_reviews": .bool(false),
            "dismiss_stale_approvals": .bool(false),
            "created_at": .string(SimClock.github(SimClock.origin)),
            "updated_at": .string(SimClock.github(SimClock.origin)),
        ])
    }
}
