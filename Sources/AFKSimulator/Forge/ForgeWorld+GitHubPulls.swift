import Foundation

/// GitHub REST pull requests, reviews, branches and branch rules of the forge
/// (https://docs.github.com/en/rest/pulls/pulls, https://docs.github.com/en/rest/pulls/reviews,
/// https://docs.github.com/en/rest/branches/branches, https://docs.github.com/en/rest/repos/rules,
/// https://docs.github.com/en/rest/git/refs): routes and payloads.
extension ForgeWorld {
    static let pullsDoc = "https://docs.github.com/rest/pulls/pulls"
    static let createPullDoc = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
    static let mergePullDoc = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"
    static let updateBranchDoc = "https://docs.github.com/rest/pulls/pulls#update-a-pull-request-branch"

    /// The pull-request, branch and ref operations of the `/github` view (REST API description spelling).
    static let githubPullRoutes: [Route<GitHubHandler>] = [
        githubRepoRoute("GET", "/pulls") { world, call, r in world.githubListPulls(call.request, repo: r) },
        githubRepoRoute("POST", "/pulls") { world, call, r in
            world.githubCreatePull(call.request, repo: r, login: call.login, now: call.now)
        },
        githubPullRoute("GET", "") { world, _, r, p in
            let known = world.readMergeability(repo: r, pull: p)
            return .json(200, world.githubPullObject(repo: r, pull: p, full: true, mergeabilityKnown: known))
        },
        githubPullRoute("PUT", "/update-branch") { world, call, r, p in
            world.githubUpdateBranch(call.request, repo: r, pull: p, login: call.login, now: call.now)
        },
        githubPullRoute("PUT", "/merge") { world, call, r, p in
            world.githubMergePull(call.request, repo: r, pull: p, login: call.login, now: call.now)
        },
        githubPullRoute("GET", "/reviews") { world, call, r, p in
            let reviews = world.repos[r].pulls[p].reviews.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
            return world.paginated(reviews.map { world.githubReviewObject($0, repo: r, pull: p) }, call.request)
        },
        githubRepoRoute("GET", "/branches/{branch...}/protection") { _, _, _ in
            // Classic protection needs administration rights; the simulator's tokens have none.
            Self.error(
                403,
                "Resource not accessible by personal access token",
                doc: "https://docs.github.com/rest/branches/branch-protection#get-branch-protection"
            )
        },
        githubRepoRoute("GET", "/branches/{branch...}") { world, call, r in
            guard world.repos[r].branches[call["branch"]] != nil else {
                return Self.error(
                    404,
                    "Branch not found",
                    doc: "https://docs.github.com/rest/branches/branches#get-a-branch"
                )
            }
            return .json(200, world.githubBranchObject(call["branch"], repo: r))
        },
        githubRepoRoute("GET", "/rules/branches/{branch...}") { world, call, r in
            world.paginated(world.githubRules(call["branch"], repo: r), call.request)
        },
        githubRepoRoute("DELETE", "/git/refs/{ref...}") { world, call, r in
            let ref = call["ref"]
            guard ref.hasPrefix("heads/"),
                world.deleteBranch(repo: r, branch: String(ref.dropFirst(6)), by: call.login, now: call.now)
            else {
                return Self.error(
                    422,
                    "Reference does not exist",
                    doc: "https://docs.github.com/rest/git/refs#delete-a-reference"
                )
            }
            return SimResponse(status: 204)
        },
    ]

    /// A route under `/repos/{owner}/{repo}/pulls/{pull_number}`: a number that is not a pull request is a 404.
    private static func githubPullRoute(
        _ method: String,
        _ tail: String,
        _ body: @escaping @Sendable (inout ForgeWorld, RouteCall<GitHubCaller>, Int, Int) -> SimResponse
    ) -> Route<GitHubHandler> {
        githubRepoRoute(method, "/pulls/{pull_number}" + tail) { world, call, r in
            guard let number = Int(call["pull_number"]), let p = world.pullIndex(repo: r, number: number) else {
                return Self.error(404, "Not Found", doc: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
            }
            return body(&world, call, r, p)
        }
    }

    // MARK: Create and list

    /// `422 Validation Failed` with one error object, as the create endpoint answers.
    static func pullValidationFailed(_ error: JSONValue, doc: String = createPullDoc) -> SimResponse {
        .json(
            422,
            .obj([
                "message": .string("Validation Failed"), "errors": .array([error]),
                "documentation_url": .string(doc), "status": .string("422"),
            ])
        )
    }

    /// `POST /repos/{o}/{r}/pulls`: `head` is `branch` or `OWNER:branch`. A head that does not exist (or is in
    /// another owner's fork) is `{"resource":"PullRequest","field":"head","code":"invalid"}`, an open pull request
    /// for the same head and base "A pull request already exists for OWNER:BRANCH." (observed wording).
    private mutating func githubCreatePull(_ request: SimRequest, repo r: Int, login: String, now: Date) -> SimResponse
    {
        guard let json = JSONValue.parse(request.body), json.isObject else {
            return Self.error(400, "Problems parsing JSON", doc: Self.createPullDoc)
        }
        for field in ["title", "head", "base"] where json[field]?.stringValue == nil {
            return Self.pullValidationFailed(
                .obj(["resource": .string("PullRequest"), "code": .string("missing_field"), "field": .string(field)])
            )
        }
        let rawHead = json["head"]?.stringValue ?? ""
        let base = json["base"]?.stringValue ?? ""
        var head = rawHead
        if let colon = rawHead.firstIndex(of: ":") {
            let owner = rawHead[..<colon]
            head =
                owner.lowercased() == repos[r].owner.lowercased() ? String(rawHead[rawHead.index(after: colon)...]) : ""
        }
        let invalid = { (field: String) in
            Self.pullValidationFailed(
                .obj(["resource": .string("PullRequest"), "field": .string(field), "code": .string("invalid")])
            )
        }
        guard !head.isEmpty, repos[r].branches[head] != nil else { return invalid("head") }
        guard repos[r].branches[base] != nil else { return invalid("base") }
        if repos[r].pulls.indices
            .contains(where: {
                isOpen(repo: r, pull: $0) && repos[r].pulls[$0].head == head && baseBranch(repo: r, pull: $0) == base
            })
        {
            return Self.pullValidationFailed(
                .obj([
                    "resource": .string("PullRequest"), "code": .string("custom"),
                    "message": .string("A pull request already exists for \(repos[r].owner):\(head)."),
                ])
            )
        }
        guard !headOnlyCommits(repo: r, head: head, base: base).isEmpty else {
            return Self.pullValidationFailed(
                .obj([
                    "resource": .string("PullRequest"), "code": .string("custom"),
                    "message": .string("No commits between \(base) and \(head)"),
                ])
            )
        }
        let p = createPull(
            repo: r,
            head: head,
            base: base,
            title: json["title"]?.stringValue ?? "",
            body: json["body"]?.stringValue,
            draft: json["draft"]?.boolValue ?? false,
            author: login,
            now: now
        )
        var response = SimResponse.json(201, githubPullObject(repo: r, pull: p, full: true, mergeabilityKnown: false))
        response.setHeader("Location", "\(repoAPI(r))/pulls/\(repos[r].pulls[p].number)")
        return response
    }

    /// `GET /repos/{o}/{r}/pulls`: `state` (default open), `head` — only as `OWNER:branch`; without the owner the
    /// filter is silently ignored, as on GitHub (github/docs#16647) — `base`, `sort`, `direction`, paging.
    private func githubListPulls(_ request: SimRequest, repo r: Int) -> SimResponse {
        let q = request.query
        let state = q["state"] ?? "open"
        guard ["open", "closed", "all"].contains(state) else { return validationFailed("state") }
        var head: String?
        if let raw = q["head"], let colon = raw.firstIndex(of: ":") {
            let owner = raw[..<colon].lowercased()
            head = owner == repos[r].owner.lowercased() ? String(raw[raw.index(after: colon)...]) : "\u{0}"
        }
        let base = q["base"].flatMap { $0.isEmpty ? nil : $0 }
        var indices = repos[r].pulls.indices
            .filter { p in
                let pull = repos[r].pulls[p]
                let issueState = pullIssue(repo: r, pull: p)?.state ?? "open"
                if state != "all", issueState != state { return false }
                if let head, pull.head != head { return false }
                if let base, baseBranch(repo: r, pull: p) != base { return false }
                return true
            }
        let sortKey = q["sort"] ?? "created"
        let ascending = (q["direction"] ?? (sortKey == "created" ? "desc" : "desc")) == "asc"
        indices.sort { a, b in
            let x = pullIssue(repo: r, pull: a)
            let y = pullIssue(repo: r, pull: b)
            let ordered: Bool
            if sortKey == "updated" {
                ordered =
                    (x?.updatedAt ?? "", repos[r].pulls[a].number) < (y?.updatedAt ?? "", repos[r].pulls[b].number)
            } else {
                ordered =
                    (x?.createdAt ?? "", repos[r].pulls[a].number) < (y?.createdAt ?? "", repos[r].pulls[b].number)
            }
            return ascending ? ordered : !ordered
        }
        return paginated(
            indices.map { githubPullObject(repo: r, pull: $0, full: false, mergeabilityKnown: true) },
            request
        )
    }

    // MARK: Merge and update

    /// The 405 message GitHub gives for a merge gate. The approval and `is expected`/`is in progress` texts are
    /// observed; `is failing`, the out-of-date and the changes-requested wordings are inferred from GitHub's
    /// protected-branch messages.
    static func githubGateMessage(_ gate: MergeGate) -> String {
        switch gate {
        case .draft: return "Pull Request is still a draft"
        case .conflict: return "Pull Request is not mergeable"
        case .mergeQueue: return "Changes must be made through the merge queue"
        case .behind: return "Head branch is not up to date with the base branch"
        case .approvals(let n):
            return n == 1
                ? "At least 1 approving review is required by reviewers with write access."
                : "At least \(n) approving reviews are required by reviewers with write access."
        case .changesRequested: return "Changes were requested by reviewers with write access."
        case .check(let name, let verdict):
            switch verdict {
            case .pending: return "Required status check \"\(name)\" is in progress."
            case .failing: return "Required status check \"\(name)\" is failing."
            case .missing, .passing: return "Required status check \"\(name)\" is expected."
            }
        }
    }

    /// `PUT …/pulls/{n}/merge` (`merge_method`, `sha`, `commit_title`, `commit_message`): 200
    /// `{sha, merged, message}`; 405 when a gate blocks it; 409 when `sha` is not the head.
    private mutating func githubMergePull(_ request: SimRequest, repo r: Int, pull p: Int, login: String, now: Date)
        -> SimResponse
    {
        var json: JSONValue = .obj([:])
        if !request.body.isEmpty {
            guard let parsed = JSONValue.parse(request.body), parsed.isObject else {
                return Self.error(400, "Problems parsing JSON", doc: Self.mergePullDoc)
            }
            json = parsed
        }
        let method = json["merge_method"]?.stringValue ?? "merge"
        guard ["merge", "squash", "rebase"].contains(method) else {
            return invalidRequest(
                "For 'properties/merge_method', \"\(method)\" is not a member of [\"merge\", \"squash\", \"rebase\"]."
            )
        }
        guard isOpen(repo: r, pull: p) else {
            return Self.error(405, "Pull Request is not mergeable", doc: Self.mergePullDoc)
        }
        if let sha = json["sha"]?.stringValue, !sha.isEmpty, sha.lowercased() != headSHA(repo: r, pull: p) {
            return Self.error(409, "Head branch was modified. Review and try the merge again.", doc: Self.mergePullDoc)
        }
        if let gate = mergeGates(repo: r, pull: p).first {
            return Self.error(405, Self.githubGateMessage(gate), doc: Self.mergePullDoc)
        }
        var message: String?
        let title = json["commit_title"]?.stringValue
        let extra = json["commit_message"]?.stringValue
        if method != "rebase", title != nil || extra != nil {
            let pull = repos[r].pulls[p]
            let issueTitle = pullIssue(repo: r, pull: p)?.title ?? pull.title
            let defaultTitle =
                method == "squash"
                ? "\(issueTitle) (#\(pull.number))"
                : "Merge pull request #\(pull.number) from \(repos[r].owner)/\(pull.head)"
            let defaultBody = method == "squash" ? (pullIssue(repo: r, pull: p)?.body ?? "") : issueTitle
            let body = extra ?? defaultBody
            message = body.isEmpty ? (title ?? defaultTitle) : "\(title ?? defaultTitle)\n\n\(body)"
        }
        let sha = mergePull(repo: r, pull: p, method: method, message: message, by: login, now: now)
        return .json(
            200,
            .obj(["sha": .string(sha), "merged": .bool(true), "message": .string("Pull Request successfully merged")])
        )
    }

    /// `PUT …/pulls/{n}/update-branch` (`expected_head_sha`): 202; 422 on a SHA mismatch, a conflict ("merge
    /// conflict between base and head", observed) or a head that already has the base.
    private mutating func githubUpdateBranch(_ request: SimRequest, repo r: Int, pull p: Int, login: String, now: Date)
        -> SimResponse
    {
        var json: JSONValue = .obj([:])
        if !request.body.isEmpty {
            guard let parsed = JSONValue.parse(request.body), parsed.isObject else {
                return Self.error(400, "Problems parsing JSON", doc: Self.updateBranchDoc)
            }
            json = parsed
        }
        guard isOpen(repo: r, pull: p) else {
            return Self.error(422, "Cannot update a closed pull request.", doc: Self.updateBranchDoc)
        }
        if let expected = json["expected_head_sha"]?.stringValue, !expected.isEmpty,
            expected.lowercased() != headSHA(repo: r, pull: p)
        {
            return Self.error(422, "expected head sha didn’t match current head ref.", doc: Self.updateBranchDoc)
        }
        switch updatePullBranch(repo: r, pull: p, style: "merge", by: login, now: now) {
        case .failure(.conflict):
            return Self.error(422, "merge conflict between base and head", doc: Self.updateBranchDoc)
        case .failure(.upToDate):
            return Self.error(422, "There are no new commits on the base branch.", doc: Self.updateBranchDoc)
        case .success:
            let repo = repos[r]
            return .json(
                202,
                .obj([
                    "message": .string("Updating pull request branch."),
                    "url": .string("\(htmlBase)/repos/\(repo.fullName)/pulls/\(repo.pulls[p].number)"),
                ])
            )
        }
    }

    // MARK: Payloads

    /// `pull-request` (`full`) or `pull-request-simple` (list items: no `merged`, `mergeable`,
    /// `mergeable_state`). `mergeable` is null and `mergeable_state` `unknown` until computed.
    func githubPullObject(repo r: Int, pull p: Int, full: Bool, mergeabilityKnown: Bool) -> JSONValue {
        let repo = repos[r]
        let pull = repo.pulls[p]
        let issue = pullIssue(repo: r, pull: p)
        let number = pull.number
        let api = "\(repoAPI(r))/pulls/\(number)"
        let html = "\(htmlBase)/\(repo.fullName)/pull/\(number)"
        let issueID = issue?.id ?? Int64(number)
        let id = issueID + 100_000_000
        let head = headSHA(repo: r, pull: p)
        let base = baseBranch(repo: r, pull: p)
        let open = isOpen(repo: r, pull: p)
        let known = mergeabilityKnown && open
        let mergeSHA: JSONValue =
            pull.merged
            ? .str(pull.mergeCommitSHA)
            : (known && !pull.conflicted
                ? .string(Self.hex40("test-merge|\(head)|\(tipSHA(repo: r, branch: base) ?? "")")) : .null)
        func ref(_ name: String, _ sha: String) -> JSONValue {
            .obj([
                "label": .string("\(repo.owner):\(name)"), "ref": .string(name), "sha": .string(sha),
                "user": user(repo.owner), "repo": minimalRepoObject(r),
            ])
        }
        func link(_ href: String) -> JSONValue { .obj(["href": .string(href)]) }
        let issueURL = "\(repoAPI(r))/issues/\(number)"
        var members: [String: JSONValue] = [
            "url": .string(api),
            "id": .int(id),
            "node_id": .string("PR_kwDO\(id)"),
            "html_url": .string(html),
            "diff_url": .string("\(html).diff"),
            "patch_url": .string("\(html).patch"),
            "issue_url": .string(issueURL),
            "commits_url": .string("\(api)/commits"),
            "review_comments_url": .string("\(api)/comments"),
            "review_comment_url": .string("\(repoAPI(r))/pulls/comments{/number}"),
            "comments_url": .string("\(issueURL)/comments"),
            "statuses_url": .string("\(repoAPI(r))/statuses/\(head)"),
            "number": .num(number),
            "state": .string(issue?.state ?? pull.state),
            "locked": .bool(issue?.locked ?? false),
            "title": .string(issue?.title ?? pull.title),
            "user": user(issue?.author ?? pull.author),
            "body": .str(issue?.body ?? pull.body),
            "labels": issue != nil ? labelArray(repo: r, issue: issueIndex(repo: r, number: number) ?? 0) : .array([]),
            "milestone": .null,
            "active_lock_reason": .null,
            "created_at": .str(issue?.createdAt ?? pull.createdAt),
            "updated_at": .str(issue?.updatedAt ?? pull.createdAt),
            "closed_at": .str(issue?.closedAt),
            "merged_at": .str(pull.mergedAt),
            "merge_commit_sha": mergeSHA,
            "assignee": issue?.assignees.first.map(user) ?? .null,
            "assignees": .array((issue?.assignees ?? []).map(user)),
            "requested_reviewers": .array([]),
            "requested_teams": .array([]),
            "head": ref(pull.head, head),
            "base": ref(base, tipSHA(repo: r, branch: base) ?? ""),
            "_links": .obj([
                "self": link(api), "html": link(html), "issue": link(issueURL),
                "comments": link("\(issueURL)/comments"),
                "review_comments": link("\(api)/comments"),
                "review_comment": link("\(repoAPI(r))/pulls/comments{/number}"), "commits": link("\(api)/commits"),
                "statuses": link("\(repoAPI(r))/statuses/\(head)"),
            ]),
            "author_association": .string(authorAssociation(of: issue?.author ?? pull.author, in: r)),
            "auto_merge": .null,
            "draft": .bool(pull.draft),
        ]
        if full {
            let own = headOnlyCommits(repo: r, head: pull.head, base: base).count
            members["merged"] = .bool(pull.merged)
            members["mergeable"] = known ? .bool(!pull.conflicted) : .null
            members["rebaseable"] = known ? .bool(!pull.conflicted) : .null
            members["mergeable_state"] = .string(known ? githubMergeableState(repo: r, pull: p) : "unknown")
            members["merged_by"] = pull.mergedBy.map(user) ?? .null
            members["comments"] = .num(issue?.comments.count ?? 0)
            members["review_comments"] = .int(0)
            members["maintainer_can_modify"] = .bool(false)
            members["commits"] = .num(own)
            members["additions"] = .num(own)
            members["deletions"] = .int(0)
            members["changed_files"] = .int(own > 0 ? 1 : 0)
        }
        return .object(members)
    }

    /// `pull-request-review`.
    func githubReviewObject(_ review: SimReview, repo r: Int, pull p: Int) -> JSONValue {
        let id = review.id ?? 0
        let number = repos[r].pulls[p].number
        let html = "\(htmlBase)/\(repos[r].fullName)/pull/\(number)#pullrequestreview-\(id)"
        let pullURL = "\(repoAPI(r))/pulls/\(number)"
        return .obj([
            "id": .int(id),
            "node_id": .string("PRR_kwDO\(id)"),
            "user": user(review.user),
            "body": .string(review.body),
            "state": .string(review.state),
            "html_url": .string(html),
            "pull_request_url": .string(pullURL),
            "author_association": .string(authorAssociation(of: review.user, in: r)),
            "_links": .obj(["html": .obj(["href": .string(html)]), "pull_request": .obj(["href": .string(pullURL)])]),
            "submitted_at": review.state == "PENDING" ? .null : .str(review.submittedAt),
            "commit_id": .str(review.commitID),
        ])
    }

    /// `branch-with-protection`: the tip commit, `protected` and `protection.required_status_checks`.
    func githubBranchObject(_ name: String, repo r: Int) -> JSONValue {
        let commits = repos[r].branches[name] ?? []
        let tip = commits.last.map {
            commitObject($0, repo: r, branch: name, index: commits.count - 1, detailed: false)
        }
        let rules = protection(repo: r, branch: name)
        let contexts = rules?.requiredChecks ?? []
        let api = "\(repoAPI(r))/branches/\(Self.pathEscape(name))"
        return .obj([
            "name": .string(name),
            "commit": tip ?? .null,
            "_links": .obj(["self": .string(api), "html": .string("\(htmlBase)/\(repos[r].fullName)/tree/\(name)")]),
            "protected": .bool(rules != nil),
            "protection": .obj([
                "enabled": .bool(rules != nil),
                "required_status_checks": .obj([
                    "enforcement_level": .string(contexts.isEmpty ? "off" : "non_admins"),
                    "contexts": .array(contexts.map(JSONValue.string)),
                    "checks": .array(contexts.map { .obj(["context": .string($0), "app_id": .null]) }),
                ]),
            ]),
            "protection_url": .string("\(api)/protection"),
        ])
    }

    /// `GET /repos/{o}/{r}/rules/branches/{branch}`: the active rules (`pull_request`, `required_status_checks`,
    /// `merge_queue`), each with its ruleset source; the branch need not exist.
    func githubRules(_ branch: String, repo r: Int) -> [JSONValue] {
        guard let rules = protection(repo: r, branch: branch) else { return [] }
        let repo = repos[r]
        let rulesetID = Int64((repo.id ?? 0) % 1_000_000 + 1)
        func rule(_ type: String, _ parameters: JSONValue?) -> JSONValue {
            var members: [String: JSONValue] = [
                "type": .string(type), "ruleset_source_type": .string("Repository"),
                "ruleset_source": .string(repo.fullName), "ruleset_id": .int(rulesetID),
            ]
            if let parameters { members["parameters"] = parameters }
            return .object(members)
        }
        var out: [JSONValue] = []
        if rules.requirePullRequest || rules.requiredApprovals > 0 {
            out.append(
                rule(
                    "pull_request",
                    .obj([
                        "required_approving_review_count": .num(rules.requiredApprovals),
                        "dismiss_stale_reviews_on_push": .bool(false), "require_code_owner_review": .bool(false),
                        "require_last_push_approval": .bool(false), "required_review_thread_resolution": .bool(false),
                        "allowed_merge_methods": .array([.string("merge"), .string("squash"), .string("rebase")]),
                    ])
                )
            )
        }
        if !rules.requiredChecks.isEmpty || rules.strict {
            out.append(
                rule(
                    "required_status_checks",
                    .obj([
                        "required_status_checks": .array(rules.requiredChecks.map { .obj(["context": .string($0)]) }),
                        "strict_required_status_checks_policy": .bool(rules.strict),
                        "do_not_enforce_on_create": .bool(false),
                    ])
                )
            )
        }
        if rules.mergeQueue {
            out.append(
                rule(
                    "merge_queue",
                    .obj([
                        "check_response_timeout_minutes": .int(60), "grouping_strategy": .string("ALLGREEN"),
                        "max_entries_to_build": .int(5), "max_entries_to_merge": .int(5),
                        "merge_method": .string("MERGE"), "min_entries_to_merge": .int(1),
                        "min_entries_to_merge_wait_minutes": .int(5),
                    ])
                )
            )
        }
        return out
    }
}
