import AFKCore
import Foundation

/// ``PullRequests`` (part of ``Tracker``) over the Gitea/Forgejo API v1 (`routers/api/v1/repo/pull.go` in both).
///
/// - Finding by branch uses `GET …/pulls/{base}/{head}` (Gitea 1.22, Forgejo 7). It has no state
///   filter and no order, so it may return an old closed or merged pull request: it is returned
///   as is and the caller decides. Older servers lack the route, and a base containing `/`
///   cannot be addressed by it; then the newest pages of `GET …/pulls?state=all` are searched.
/// - `mergeable` is a bool that is false while the server checks, on a conflict, or for a WIP
///   title, and ignores reviews and checks: false reads as ``Mergeability/notMergeable``.
/// - Branch rules come from `GET …/branches/{branch}` only: `branch_protections` needs repo
///   admin, which afk's token should not have.
extension ForgejoTracker {
    static func pullsPath(_ repo: RepoRef) -> String { "\(repoPath(repo))/pulls" }

    /// A branch name in a path: each `/`-separated part escaped, the slashes kept (the routes
    /// are `/branches/*` and `/pulls/{base}/*`).
    static func branchPath(_ branch: String) -> String {
        branch.split(separator: "/", omittingEmptySubsequences: false)
            .map { ServiceClient.segment(String($0)) }
            .joined(separator: "/")
    }

    /// Pages of `GET …/pulls?state=all` searched for a head on servers without the branch route.
    static let maxListedPullPages = 3

    // MARK: - Reading

    public func pullRequest(from branch: String, into base: String, in repo: RepoRef) async throws(ServiceError)
        -> PullRequest?
    {
        if !base.contains("/"), hasPullByBranchRoute != false {
            let what = "looking up the pull request from \(branch) into \(base) in \(repo)"
            let url = client.url("\(Self.pullsPath(repo))/\(ServiceClient.segment(base))/\(Self.branchPath(branch))")
            let response = try await client.send("GET", url)
            if response.status == 200 {
                hasPullByBranchRoute = true
                let payload = try client.decode(Forgejo.Pull.self, from: response, what)
                return payload.head.ref == branch ? Self.pullRequest(payload) : nil
            }
            guard response.status == 404 else {
                try client.expect(response, [200, 404], what)
                return nil
            }
            // A 404 says "no such pull request" on a server with the route, and "no such route"
            // on one without: the server's version tells them apart.
            if try await pullByBranchRouteExists() { return nil }
        }
        return try await listedPull(from: branch, into: base, in: repo)
    }

    /// Whether `GET …/pulls/{base}/{head}` exists: Gitea 1.22 and later, Forgejo 7 and later
    /// (Forgejo numbered itself like Gitea, `1.21.x-y`, before 7.0). Read once per tracker; an
    /// unreadable version counts as an old server.
    func pullByBranchRouteExists() async throws(ServiceError) -> Bool {
        if let known = hasPullByBranchRoute { return known }
        let response = try await client.send("GET", client.url("/version"))
        var exists = false
        if response.status == 200,
            let text = (try? JSONDecoder().decode(Forgejo.ServerVersion.self, from: response.body))?.version
        {
            exists = Self.hasPullByBranchRoute(version: text)
        }
        hasPullByBranchRoute = exists
        return exists
    }

    static func hasPullByBranchRoute(version text: String) -> Bool {
        let numbers =
            text.trimmingCharacters(in: .whitespaces)
            .drop { $0 == "v" }
            .split(whereSeparator: { !$0.isNumber })
            .prefix(2)
            .compactMap { Int($0) }
        guard let major = numbers.first else { return false }
        let minor = numbers.dropFirst().first ?? 0
        return major >= 7 || (major == 1 && minor >= 22)
    }

    /// The newest pull request from `branch` of `repo` itself into `base` among the newest
    /// ``maxListedPullPages`` pages (the listing has no head filter; it is newest first).
    func listedPull(from branch: String, into base: String, in repo: RepoRef) async throws(ServiceError)
        -> PullRequest?
    {
        let sameRepo = "\(repo.owner)/\(repo.name)"
        let matches = { (payload: Forgejo.Pull) -> Bool in
            payload.head.ref == branch && payload.base.ref == base
                && (payload.head.repo?.fullName.map { $0.caseInsensitiveCompare(sameRepo) == .orderedSame }
                    ?? (payload.head.repoID != nil && payload.head.repoID == payload.base.repoID))
        }
        let payloads = try await getAll(
            Self.pullsPath(repo),
            query: [("state", "all")],
            Forgejo.Pull.self,
            "listing pull requests of \(repo)",
            paging: Paging(maxPages: Self.maxListedPullPages, truncate: true),
            stopAfterPage: { $0.contains(where: matches) }
        )
        guard let payloads else { throw repositoryMissing(repo) }
        return payloads.filter(matches).max { $0.number < $1.number }.map(Self.pullRequest)
    }

    public func pullRequest(_ number: Int, in repo: RepoRef) async throws(ServiceError) -> PullRequest? {
        let what = "reading pull request #\(number) of \(repo)"
        let response = try await client.send("GET", client.url("\(Self.pullsPath(repo))/\(number)"))
        if response.status == 404 { return nil }
        try client.expect(response, [200], what)
        return Self.pullRequest(try client.decode(Forgejo.Pull.self, from: response, what))
    }

    static func pullRequest(_ payload: Forgejo.Pull) -> PullRequest {
        let merged = payload.merged == true || payload.mergedAt != nil
        let state: PullRequest.State = merged ? .merged : payload.state == "closed" ? .closed : .open
        let mergeability: Mergeability =
            if payload.draft == true {
                .draft
            } else {
                switch payload.mergeable {
                case true?: .mergeable
                case false?: .notMergeable
                case nil: .computing
                }
            }
        return PullRequest(
            number: payload.number,
            state: state,
            title: payload.title ?? "",
            headBranch: payload.head.ref,
            headSHA: payload.head.sha,
            baseBranch: payload.base.ref,
            mergeability: mergeability,
            mergeCommitSHA: merged ? payload.mergeCommitSHA.flatMap { $0.isEmpty ? nil : $0 } : nil,
            htmlURL: payload.htmlURL
        )
    }

    public func reviews(of number: Int, in repo: RepoRef) async throws(ServiceError) -> [PullReview] {
        let payloads = try await getAll(
            "\(Self.pullsPath(repo))/\(number)/reviews",
            Forgejo.Review.self,
            "reading reviews of pull request #\(number) of \(repo)"
        )
        return (payloads ?? [])
            .map { payload in
                PullReview(
                    id: payload.id,
                    author: payload.user?.attributableLogin ?? "",
                    state: Self.reviewState(payload),
                    body: payload.body ?? "",
                    commitID: payload.commitID
                )
            }
    }

    /// `dismissed: true` wins over the state; `stale` (given on an older head) is left to the
    /// caller, which compares ``PullReview/commitID`` with the head. A state afk does not know
    /// counts as a comment: it neither approves nor blocks.
    static func reviewState(_ payload: Forgejo.Review) -> PullReview.State {
        if payload.dismissed == true { return .dismissed }
        switch payload.state?.uppercased() {
        case "APPROVED": return .approved
        case "REQUEST_CHANGES": return .changesRequested
        case "PENDING", "REQUEST_REVIEW": return .pending
        default: return .commented
        }
    }

    /// From `GET …/branches/{branch}`, which any reader may call:
    /// - `required_approvals`, and `status_check_contexts` when `enable_status_check`;
    /// - ``BranchRules/requiresPullRequest`` is inferred: the branch is protected and the token's
    ///   user may not push to it (`user_can_push: false`). A user on the push allowlist reads as
    ///   not required, which is what that user's pushes meet;
    /// - ``BranchRules/strict`` is always false: `block_on_outdated_branch` is only on the
    ///   admin-only `BranchProtection`, and the merge answer has the final word;
    /// - no merge queue exists on these forges.
    public func branchRules(of branch: String, in repo: RepoRef) async throws(ServiceError) -> BranchRules {
        let what = "reading branch \(branch) of \(repo)"
        let response = try await client.send(
            "GET",
            client.url("\(Self.repoPath(repo))/branches/\(Self.branchPath(branch))")
        )
        if response.status == 404 { return .none }
        try client.expect(response, [200], what)
        let payload = try client.decode(Forgejo.Branch.self, from: response, what)
        guard payload.protected == true else { return .none }
        var checks: [String] = []
        if payload.enableStatusCheck == true {
            for context in payload.statusCheckContexts ?? [] where !context.isEmpty && !checks.contains(context) {
                checks.append(context)
            }
        }
        return BranchRules(
            requiresPullRequest: payload.userCanPush == false,
            requiredApprovals: max(0, payload.requiredApprovals ?? 0),
            requiredChecks: checks,
            strict: false,
            mergeQueue: false
        )
    }

    // MARK: - Writing

    public func openPullRequest(_ draft: PullRequestDraft, in repo: RepoRef) async throws(ServiceError) -> PullRequest {
        try await UnknownOutcome.reconcile(
            create: { () async throws(ServiceError) -> PullRequest in try await postPullRequest(draft, in: repo) },
            find: { () async throws(ServiceError) -> PullRequest? in
                // Only an open one can be what the lost request created.
                guard let found = try await pullRequest(from: draft.head, into: draft.base, in: repo),
                    found.state == .open
                else { return nil }
                return found
            }
        )
    }

    /// `POST …/pulls {head, base, title, body}`: 201; 409 when an open one exists for the same
    /// head and base (its `issue_id` is the pull request's number); 422 when there is nothing to
    /// merge; 404 when the head branch does not exist.
    func postPullRequest(_ draft: PullRequestDraft, in repo: RepoRef) async throws(ServiceError) -> PullRequest {
        let what = "opening a pull request from \(draft.head) into \(draft.base) in \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: [
            "head": draft.head, "base": draft.base, "title": draft.title, "body": draft.body,
        ])
        let response = try await client.send("POST", client.url(Self.pullsPath(repo)), json: body)
        switch response.status {
        case 201:
            return Self.pullRequest(try client.decode(Forgejo.Pull.self, from: response, what))
        case 409:
            let message = ServiceClient.errorMessage(response)
            if let number = Self.existingNumber(in: message), let existing = try await pullRequest(number, in: repo) {
                return existing
            }
            if let existing = try await pullRequest(from: draft.head, into: draft.base, in: repo) { return existing }
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(409),
                message: "\(what) was refused because one already exists (\(message)), but afk could not find it"
            )
        case 404:
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(404),
                message:
                    "\(what) was refused (HTTP 404: \(ServiceClient.errorMessage(response))): the branch \(draft.head) or \(draft.base) does not exist in \(repo)"
            )
        case 422:
            throw ServiceError(
                service: client.service,
                kind: .unexpectedStatus(422),
                message:
                    "\(what) was refused (HTTP 422: \(ServiceClient.errorMessage(response))): check that \(draft.head) was pushed and differs from \(draft.base)"
            )
        default:
            try client.expect(response, [201], what)
            throw client.malformed(what, "no pull request in the answer")  // unreachable: expect threw
        }
    }

    /// `issue_id` of "pull request already exists for these targets [id: 12, issue_id: 7, …]":
    /// the pull request's number (`id` is the internal one).
    static func existingNumber(in message: String) -> Int? {
        guard let range = message.range(of: "issue_id:") else { return nil }
        let digits = message[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int(digits)
    }

    /// `POST …/pulls/{n}/update?style=merge`: 200, or 409 on a conflict. The forge takes no
    /// expected head, so the head is read first and a moved one declines the update.
    public func updateBranch(of number: Int, expectedHead: String, in repo: RepoRef) async throws(ServiceError)
        -> BranchUpdateOutcome
    {
        guard let pull = try await pullRequest(number, in: repo) else {
            return .declined("pull request #\(number) of \(repo) does not exist")
        }
        if pull.headSHA != expectedHead {
            return .declined("the head of pull request #\(number) moved to \(pull.headSHA) (expected \(expectedHead))")
        }
        let response: ServiceResponse
        do {
            // Merging the base in twice changes nothing the second time: safe to retry.
            response = try await client.send(
                "POST",
                client.url("\(Self.pullsPath(repo))/\(number)/update", query: [("style", "merge")]),
                idempotent: true
            )
        } catch  where error.kind == .forbidden {
            return .declined(error.message)
        }
        switch response.status {
        case 200: return .updating
        case 409: return .conflict(ServiceClient.errorMessage(response))
        default: return .declined("HTTP \(response.status): \(ServiceClient.errorMessage(response))")
        }
    }

    /// `POST …/pulls/{n}/merge {Do, MergeTitleField, head_commit_id}`. Forgejo's form has no
    /// JSON tags (it matches names case-insensitively, so `merge_title_field` is ignored): the Go
    /// field names are sent. 200 has an empty body, so the merge commit is read back. A 403 may
    /// come *after* the merge (Forgejo failing to delete the branch by the repository's default),
    /// and a lost answer may hide one: both are settled by reading the pull request.
    public func merge(_ number: Int, head: String, method: MergeMethod, title: String, in repo: RepoRef)
        async throws(ServiceError) -> MergeOutcome
    {
        let what = "merging pull request #\(number) of \(repo)"
        let body = try? JSONSerialization.data(withJSONObject: [
            "Do": method.rawValue, "MergeTitleField": title, "head_commit_id": head,
        ])
        let response: ServiceResponse
        do {
            response = try await client.send(
                "POST",
                client.url("\(Self.pullsPath(repo))/\(number)/merge"),
                json: body
            )
        } catch  where error.outcomeUnknown {
            return try await settleLostMerge(number, in: repo, error)
        } catch  where error.kind == .forbidden {
            if let pull = try? await pullRequest(number, in: repo), pull.state == .merged {
                return .merged(sha: pull.mergeCommitSHA)
            }
            return .declined(error.message)
        }
        let message = ServiceClient.errorMessage(response)
        switch response.status {
        case 200:
            // Merged; the merge commit is a courtesy, not worth failing over.
            return .merged(sha: (try? await pullRequest(number, in: repo))??.mergeCommitSHA)
        case 201:
            // Scheduled to merge when checks succeed (afk never asks for it).
            if let pull = try? await pullRequest(number, in: repo), pull.state == .merged {
                return .merged(sha: pull.mergeCommitSHA)
            }
            return .declined("scheduled to merge when its checks succeed, not merged yet")
        case 405:
            return .declined(message)
        case 409:
            return message.lowercased().contains("head out of date") ? .headChanged(message) : .declined(message)
        case 404:
            return .declined("the pull request is closed (HTTP 404)")
        default:
            try client.expect(response, [200], what)
            return .declined(message)
        }
    }

    public func deleteBranch(_ branch: String, in repo: RepoRef) async throws(ServiceError) {
        let response = try await client.send(
            "DELETE",
            client.url("\(Self.repoPath(repo))/branches/\(Self.branchPath(branch))")
        )
        if response.status == 204 || response.status == 404 { return }
        try client.expect(response, [204], "deleting branch \(branch) of \(repo)")
    }
}
