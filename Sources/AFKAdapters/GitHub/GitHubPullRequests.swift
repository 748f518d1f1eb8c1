import AFKCore
import Foundation

/// ``PullRequests`` (part of ``Tracker``) over the GitHub REST API (https://docs.github.com/en/rest/pulls).
///
/// - Finding a pull request by branch lists `GET …/pulls?head=OWNER:BRANCH&state=all`: without
///   the owner prefix GitHub ignores `head` and lists every pull request (github/docs#16647), so
///   the results are also filtered here by head ref, head repository and base.
/// - Mergeability is read only from `GET …/pulls/{n}` (list items have none) and reduced by
///   ``mergeability(_:)``.
/// - Opening is not idempotent: a lost answer is reconciled by looking the pull request up by
///   head before anything is sent again (``UnknownOutcome``), and "A pull request already
///   exists" returns the existing one.
/// - Branch rules combine `GET …/rules/branches/{branch}` (rulesets; read access, installation
///   tokens too) with `GET …/branches/{branch}` (classic protection's required checks). The
///   admin-only `…/branches/{branch}/protection` is never called.
extension GitHubTracker {
    static func pullsPath(_ repo: RepoRef) -> String { "\(repoPath(repo))/pulls" }

    /// A branch name in a path: each `/`-separated part escaped, the slashes kept. GitHub routes
    /// `branches/{branch}`, `rules/branches/{branch}` and `git/refs/heads/{ref}` with literal
    /// slashes (the reference docs' own example is `heads/skunkworkz/featureA`).
    static func branchPath(_ branch: String) -> String {
        branch.split(separator: "/", omittingEmptySubsequences: false)
            .map { ServiceClient.segment(String($0)) }
            .joined(separator: "/")
    }

    // MARK: - Reading

    public func pullRequest(from branch: String, into base: String, in repo: RepoRef) async throws(ServiceError)
        -> PullRequest?
    {
        try await pulls(from: branch, into: base, in: repo).first
    }

    /// Every pull request from `branch` of `repo` itself into `base`, newest first.
    func pulls(from branch: String, into base: String, in repo: RepoRef) async throws(ServiceError) -> [PullRequest] {
        let url = client.url(
            Self.pullsPath(repo),
            query: [
                ("head", "\(repo.owner):\(branch)"), ("base", base), ("state", "all"),
                ("per_page", String(Self.pageSize)),
            ]
        )
        let payloads = try await getAllPages(url, GitHub.Pull.self, "listing pull requests from \(branch) in \(repo)")
        let sameRepo = "\(repo.owner)/\(repo.name)"
        return
            payloads
            .filter {
                $0.head.ref == branch && $0.base.ref == base
                    && $0.head.repo?.fullName?.caseInsensitiveCompare(sameRepo) == .orderedSame
            }
            .sorted { $0.number > $1.number }
            .map(Self.pullRequest)
    }

    public func pullRequest(_ number: Int, in repo: RepoRef) async throws(ServiceError) -> PullRequest? {
        let what = "reading pull request #\(number) of \(repo)"
        let response = try await client.send("GET", client.url("\(Self.pullsPath(repo))/\(number)"))
        if response.status == 404 || response.status == 410 { return nil }
        try client.expect(response, [200], what)
        return Self.pullRequest(try client.decode(GitHub.Pull.self, from: response, what))
    }

    static func pullRequest(_ payload: GitHub.Pull) -> PullRequest {
        let merged = payload.merged == true || payload.mergedAt != nil
        let state: PullRequest.State = merged ? .merged : payload.state == "closed" ? .closed : .open
        return PullRequest(
            number: payload.number,
            state: state,
            title: payload.title ?? "",
            headBranch: payload.head.ref,
            headSHA: payload.head.sha,
            baseBranch: payload.base.ref,
            mergeability: mergeability(payload),
            // Before the merge, `merge_commit_sha` is a test merge: meaningless to afk.
            mergeCommitSHA: merged ? payload.mergeCommitSHA : nil,
            htmlURL: payload.htmlURL
        )
    }

    /// `draft`, then `mergeable` (null: still computing), then `mergeable_state`, whose values are
    /// GraphQL's `MergeStateStatus` lowercased (the REST schema gives it no enum). A value afk does
    /// not know falls back on `mergeable` alone.
    static func mergeability(_ payload: GitHub.Pull) -> Mergeability {
        if payload.draft == true { return .draft }
        guard let mergeable = payload.mergeable else { return .computing }
        switch payload.mergeableState?.lowercased() {
        case "clean", "unstable", "has_hooks": return .mergeable
        case "behind": return .behind
        case "blocked": return .blocked
        case "dirty": return .conflicting
        case "draft": return .draft
        case "unknown", nil: return .computing
        default: return mergeable ? .mergeable : .conflicting
        }
    }

    public func reviews(of number: Int, in repo: RepoRef) async throws(ServiceError) -> [PullReview] {
        // "in chronological order" (https://docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request).
        let url = client.url("\(Self.pullsPath(repo))/\(number)/reviews", query: [("per_page", String(Self.pageSize))])
        return try await getAllPages(url, GitHub.Review.self, "reading reviews of pull request #\(number) of \(repo)")
            .map { payload in
                PullReview(
                    id: payload.id,
                    author: payload.user?.login ?? "",
                    state: Self.reviewState(payload.state),
                    body: payload.body ?? "",
                    commitID: payload.commitID
                )
            }
    }

    /// GraphQL `PullRequestReviewState`. A state afk does not know counts as a comment: it neither
    /// approves nor blocks.
    static func reviewState(_ text: String?) -> PullReview.State {
        switch text?.uppercased() {
        case "APPROVED": .approved
        case "CHANGES_REQUESTED": .changesRequested
        case "DISMISSED": .dismissed
        case "PENDING": .pending
        default: .commented
        }
    }

    // MARK: - Branch rules

    /// Rulesets (`GET …/rules/branches/{branch}`: only active rules, the branch need not exist)
    /// and classic protection as `GET …/branches/{branch}` shows it to a reader (`protected`, and
    /// `protection.required_status_checks`), combined: the most approvals, every required check,
    /// strict when either says so. A 403 or 404 from the rules endpoint (a GitHub Enterprise
    /// Server without rulesets) leaves classic protection alone. Classic required reviews, and
    /// "require a pull request" from classic protection, are not visible without admin: they
    /// read as not required, and the merge answer has the final word.
    public func branchRules(of branch: String, in repo: RepoRef) async throws(ServiceError) -> BranchRules {
        var rules = BranchRules.none
        for rule in try await rulesets(of: branch, in: repo) {
            switch rule.type {
            case "pull_request":
                rules.requiresPullRequest = true
                rules.requiredApprovals = max(
                    rules.requiredApprovals,
                    rule.parameters?.requiredApprovingReviewCount ?? 0
                )
            case "required_status_checks":
                Self.addChecks(rule.parameters?.requiredStatusChecks?.items.map(\.context) ?? [], to: &rules)
                if rule.parameters?.strictRequiredStatusChecksPolicy == true { rules.strict = true }
            case "merge_queue":
                rules.mergeQueue = true
            default:
                break
            }
        }
        let what = "reading branch \(branch) of \(repo)"
        let response = try await client.send(
            "GET",
            client.url("\(Self.repoPath(repo))/branches/\(Self.branchPath(branch))")
        )
        if response.status == 404 { return rules }  // no such branch: rulesets may still apply
        try client.expect(response, [200], what)
        let payload = try client.decode(GitHub.Branch.self, from: response, what)
        if payload.protected == true, let checks = payload.protection?.requiredStatusChecks,
            checks.enforcementLevel != "off"
        {
            Self.addChecks((checks.contexts ?? []) + (checks.checks?.items.map(\.context) ?? []), to: &rules)
            if checks.strict == true { rules.strict = true }
        }
        return rules
    }

    static func addChecks(_ contexts: [String], to rules: inout BranchRules) {
        for context in contexts where !context.isEmpty && !rules.requiredChecks.contains(context) {
            rules.requiredChecks.append(context)
        }
    }

    /// The active rules for `branch`; none when the server has no rulesets endpoint (404) or
    /// refuses it (403).
    func rulesets(of branch: String, in repo: RepoRef) async throws(ServiceError) -> [GitHub.Rule] {
        let what = "reading the rules of branch \(branch) of \(repo)"
        let url = client.url(
            "\(Self.repoPath(repo))/rules/branches/\(Self.branchPath(branch))",
            query: [("per_page", String(Self.pageSize))]
        )
        let first: ServiceResponse
        do {
            first = try await client.send("GET", url)
        } catch  where error.kind == .forbidden {
            return []
        }
        if first.status == 404 || first.status == 403 { return [] }
        try client.expect(first, [200], what)
        var rules = try client.decode(LenientList<GitHub.Rule>.self, from: first, what).items
        if let next = LinkHeader.parse(first.headers["link"])["next"] {
            rules += try await getAllPages(next, Lenient<GitHub.Rule>.self, what).compactMap(\.value)
        }
        return rules
    }

    // MARK: - Writing

    public func openPullRequest(_ draft: PullRequestDraft, in repo: RepoRef) async throws(ServiceError) -> PullRequest {
        try await UnknownOutcome.reconcile(
            create: { () async throws(ServiceError) -> PullRequest in try await postPullRequest(draft, in: repo) },
            find: { () async throws(ServiceError) -> PullRequest? in
                // Only an open one can be what the lost request created.
                try await pulls(from: draft.head, into: draft.base, in: repo).first { $0.state == .open }
            }
        )
    }

    /// `POST …/pulls {head, base, title, body}` (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request).
    func postPullRequest(_ draft: PullRequestDraft, in repo: RepoRef) async throws(ServiceError) -> PullRequest {
        let what = "opening a pull request from \(draft.head) into \(draft.base) in \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: [
            "head": draft.head, "base": draft.base, "title": draft.title, "body": draft.body,
        ])
        let response = try await client.send("POST", client.url(Self.pullsPath(repo)), json: body)
        if response.status == 201 {
            return Self.pullRequest(try client.decode(GitHub.Pull.self, from: response, what))
        }
        guard response.status == 422 else {
            try client.expect(response, [201], what)
            throw client.malformed(what, "no pull request in the answer")  // unreachable: expect threw
        }
        let failure = try? JSONDecoder().decode(GitHub.ValidationFailed.self, from: response.body)
        let items = failure?.errors?.items ?? []
        if items.contains(where: { $0.message?.lowercased().contains("a pull request already exists") == true }) {
            let existing = try await pulls(from: draft.head, into: draft.base, in: repo)
            if let found = existing.first(where: { $0.state == .open }) ?? existing.first { return found }
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(422),
                message:
                    "\(what) was refused because one already exists, but listing pull requests from \(repo.owner):\(draft.head) found none"
            )
        }
        throw ServiceError(
            service: client.service,
            kind: .unexpectedStatus(422),
            message:
                "\(what) was refused (HTTP 422: \(Self.describe(failure, response))): check that \(draft.head) was pushed and differs from \(draft.base)"
        )
    }

    /// "Validation Failed (head: invalid; No commits between main and afk/1-r1)": each error by its
    /// field and code, or its message.
    static func describe(_ failure: GitHub.ValidationFailed?, _ response: ServiceResponse) -> String {
        guard let failure else { return ServiceClient.errorMessage(response) }
        let details = (failure.errors?.items ?? [])
            .compactMap { item -> String? in
                if let message = item.message, !message.isEmpty { return message }
                guard let field = item.field else { return item.code }
                return "\(field): \(item.code ?? "invalid")"
            }
        let head = failure.message ?? "Validation Failed"
        return details.isEmpty ? head : "\(head) (\(details.joined(separator: "; ")))"
    }

    public func updateBranch(of number: Int, expectedHead: String, in repo: RepoRef) async throws(ServiceError)
        -> BranchUpdateOutcome
    {
        // 202 "Updating pull request branch."; 422 when the head moved or on a merge conflict.
        let what = "updating the branch of pull request #\(number) of \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: ["expected_head_sha": expectedHead])
        let response: ServiceResponse
        do {
            response = try await client.send(
                "PUT",
                client.url("\(Self.pullsPath(repo))/\(number)/update-branch"),
                json: body
            )
        } catch  where error.kind == .forbidden {
            return .declined(error.message)
        }
        switch response.status {
        case 202:
            return .updating
        case 422:
            let message = ServiceClient.errorMessage(response)
            return message.lowercased().contains("merge conflict") ? .conflict(message) : .declined(message)
        default:
            try client.expect(response, [202], what)
            return .declined(ServiceClient.errorMessage(response))
        }
    }

    public func merge(_ number: Int, head: String, method: MergeMethod, title: String, in repo: RepoRef)
        async throws(ServiceError) -> MergeOutcome
    {
        let what = "merging pull request #\(number) of \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: [
            "merge_method": method.rawValue, "sha": head, "commit_title": title,
        ])
        let response: ServiceResponse
        do {
            // Not idempotent to afk: a merge repeated after one that went through answers 405, so a
            // lost answer is settled by reading the pull request, never by sending again.
            response = try await client.send(
                "PUT",
                client.url("\(Self.pullsPath(repo))/\(number)/merge"),
                json: body,
                idempotent: false
            )
        } catch  where error.outcomeUnknown {
            return try await settleLostMerge(number, in: repo, error)
        } catch  where error.kind == .forbidden {
            return .declined(error.message)
        }
        switch response.status {
        case 200:
            let result = try? JSONDecoder().decode(GitHub.MergeResult.self, from: response.body)
            return .merged(sha: result?.sha)
        case 405, 422:
            return .declined(ServiceClient.errorMessage(response))
        case 409:
            return .headChanged(ServiceClient.errorMessage(response))
        default:
            try client.expect(response, [200], what)
            return .declined(ServiceClient.errorMessage(response))
        }
    }

    public func deleteBranch(_ branch: String, in repo: RepoRef) async throws(ServiceError) {
        // 204; 422 "Reference does not exist" when it is already gone.
        let response = try await client.send(
            "DELETE",
            client.url("\(Self.repoPath(repo))/git/refs/heads/\(Self.branchPath(branch))")
        )
        if response.status == 204 || response.status == 404 { return }
        if response.status == 422,
            ServiceClient.errorMessage(response).lowercased().contains("reference does not exist")
        {
            return
        }
        try client.expect(response, [204], "deleting branch \(branch) of \(repo)")
    }
}
