import Foundation

/// Commits, check runs and commit statuses of the forge: ref resolution and the mutations that both API views
/// and the Swift API share. GitHub's routes and payloads for them are in `ForgeWorld+GitHubCommits.swift`.
extension ForgeWorld {
    /// Where a ref points.
    enum ResolvedRef {
        /// The repository has no commits at all (GitHub answers 409 "Git Repository is empty.").
        case emptyRepository
        case notFound
        /// A commit on `branch` at `index` (oldest first).
        case commit(branch: String, index: Int)
        /// A SHA that has CI data but no commit in any branch (Swift-side `setCheckRun` on an arbitrary SHA).
        case bareSHA(String)
    }

    func hasCommits(_ r: Int) -> Bool {
        repos[r].branches.values.contains { !$0.isEmpty }
    }

    /// Resolves a branch name, a full SHA or an abbreviated SHA (≥ 7 hex digits).
    func resolveRef(_ raw: String, repo r: Int) -> ResolvedRef {
        guard hasCommits(r) else {
            let sha = raw.lowercased()
            if repos[r].checkRuns[sha] != nil || repos[r].statuses[sha] != nil { return .bareSHA(sha) }
            return .emptyRepository
        }
        var ref = raw
        for prefix in ["refs/heads/", "heads/"] where ref.hasPrefix(prefix) {
            ref = String(ref.dropFirst(prefix.count))
        }
        if let commits = repos[r].branches[ref], !commits.isEmpty {
            return .commit(branch: ref, index: commits.count - 1)
        }
        let sha = ref.lowercased()
        guard sha.count >= 7, sha.count <= 40, sha.allSatisfy(\.isHexDigit) else { return .notFound }
        // Prefer the default branch, then the others in name order.
        let order = [repos[r].defaultBranch] + repos[r].branches.keys.sorted().filter { $0 != repos[r].defaultBranch }
        for branch in order {
            guard let commits = repos[r].branches[branch] else { continue }
            if let k = commits.firstIndex(where: { ($0.sha ?? "").hasPrefix(sha) }) {
                return .commit(branch: branch, index: k)
            }
        }
        if sha.count == 40, repos[r].checkRuns[sha] != nil || repos[r].statuses[sha] != nil { return .bareSHA(sha) }
        return .notFound
    }

    func commit(_ r: Int, _ branch: String, _ index: Int) -> SimCommit? {
        guard let commits = repos[r].branches[branch], commits.indices.contains(index) else { return nil }
        return commits[index]
    }

    // MARK: Mutations (Swift API and the scripted agent)

    /// Appends a commit to `branch` (creating the branch from the default branch's history when new; when
    /// the default branch has no commits yet it first gets an `Initial commit`).
    /// - Returns: The commit's SHA.
    @discardableResult
    mutating func pushCommit(
        repo r: Int,
        branch: String,
        message: String,
        sha: String?,
        author: String,
        at date: Date
    ) -> String {
        let fullSHA: String
        if let sha = sha?.lowercased(), Self.isFullSHA(sha) {
            fullSHA = sha
        } else {
            fullSHA = allocSHA(seed: "\(repos[r].fullName)|\(branch)|\(message)")
        }
        let defaultBranch = repos[r].defaultBranch
        if branch != defaultBranch, (repos[r].branches[defaultBranch] ?? []).isEmpty {
            // Another branch can only exist next to a default branch with at least one commit (pushing the
            // first branch of an empty repository would make it the default), so seed one.
            repos[r].branches[defaultBranch] = [
                SimCommit(
                    sha: allocSHA(seed: "\(repos[r].fullName)|initial"),
                    message: "Initial commit",
                    committedAt: SimClock.github(SimClock.origin),
                    author: repos[r].owner
                )
            ]
        }
        if repos[r].branches[branch] == nil {
            repos[r].branches[branch] = repos[r].branches[defaultBranch] ?? []
        }
        repos[r].branches[branch, default: []]
            .append(
                SimCommit(sha: fullSHA, message: message, committedAt: SimClock.github(date), author: author)
            )
        branchMoved(repo: r, branch: branch)
        return fullSHA
    }

    /// Creates the check run `name` on `sha`, or updates the newest one of that name in place (as an app's
    /// `PATCH /check-runs/{id}` would).
    mutating func setCheckRun(
        repo r: Int,
        sha rawSHA: String,
        name: String,
        status: String,
        conclusion: String?,
        at date: Date
    ) {
        let sha = rawSHA.lowercased()
        let stamp = SimClock.github(date)
        var runs = repos[r].checkRuns[sha] ?? []
        if let k = runs.indices.filter({ runs[$0].name == name }).max(by: { (runs[$0].id ?? 0) < (runs[$1].id ?? 0) }) {
            runs[k].status = status
            runs[k].conclusion = status == "completed" ? conclusion : nil
            runs[k].completedAt = status == "completed" ? stamp : nil
        } else {
            runs.append(
                SimCheckRun(
                    id: allocCheckRunID(),
                    name: name,
                    status: status,
                    conclusion: status == "completed" ? conclusion : nil,
                    startedAt: stamp,
                    completedAt: status == "completed" ? stamp : nil
                )
            )
        }
        repos[r].checkRuns[sha] = runs
    }

    /// Appends a commit status (statuses are append-only; the newest per context counts).
    mutating func addStatus(
        repo r: Int,
        sha rawSHA: String,
        context: String,
        state: String,
        description: String?,
        creator: String,
        at date: Date
    ) {
        repos[r].statuses[rawSHA.lowercased(), default: []]
            .append(
                SimCommitStatus(
                    id: allocStatusID(),
                    context: context,
                    state: state,
                    description: description,
                    targetURL: nil,
                    createdAt: SimClock.github(date),
                    creator: creator
                )
            )
    }
}
