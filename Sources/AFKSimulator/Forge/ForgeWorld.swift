import Foundation

/// The forge behind both forge APIs: tokens, repositories, labels, issues, comments, events, collaborators,
/// commits and CI, plus id allocation. GitHub REST (`/github`) serves it through `ForgeWorld+GitHubRoutes.swift`
/// and `ForgeWorld+GitHubPayloads.swift`, Gitea/Forgejo API v1 (`/forgejo`) through
/// `ForgeWorld+ForgejoRoutes.swift` and `ForgeWorld+ForgejoPayloads.swift`; the mutations here are shared by
/// both and by the Swift API. To add an endpoint, add state here, a route to the view's router and a renderer.
struct ForgeWorld: Sendable {
    var tokens: [String: String]
    var repos: [SimRepo]
    /// The GitHub App and the installation tokens it minted (`ForgeWorld+GitHubApp.swift`).
    var appState = GitHubAppState(nil)
    /// Requests made per login (for `x-ratelimit-used`).
    var rateUsed: [String: Int] = [:]
    /// Epoch seconds at which the simulated rate-limit window resets.
    var rateReset: Int
    /// Rate-limit buckets and the search index (`ForgeFleet.swift`).
    var fleet: ForgeFleet
    /// `http://127.0.0.1:PORT/github`, used to build `url` fields and `Link` headers.
    var apiBase: String = "http://127.0.0.1/github"
    /// When each reaction was made, by reaction id (`ForgeWorld+IssueEdits.swift`); absent for scenario ones.
    var reactionStamps: [Int64: String] = [:]
    let htmlBase = "https://github.com"

    private var nextRepoID: Int64 = 700_000_001
    private var nextLabelID: Int64 = 800_000_001
    private var nextIssueID: Int64 = 1_900_000_001
    private var nextCommentID: Int64 = 2_400_000_001
    private var nextEventID: Int64 = 5_600_000_001
    private var nextCheckRunID: Int64 = 30_000_000_001
    private var nextStatusID: Int64 = 32_000_000_001
    private var nextReviewID: Int64 = 3_100_000_001
    /// Makes generated SHAs unique.
    private var shaCounter = 0

    init(_ scenario: GitHubScenario, now: Date) {
        tokens = scenario.tokens
        appState = GitHubAppState(scenario.app)
        repos = []
        rateReset = Int(now.timeIntervalSince1970) + 3600
        fleet = ForgeFleet(scenario, now: now)
        // Reserve explicitly given ids first so allocated ones never collide.
        for repo in scenario.repos {
            if let id = repo.id { nextRepoID = max(nextRepoID, id + 1) }
            for label in repo.labels { if let id = label.id { nextLabelID = max(nextLabelID, id + 1) } }
            for issue in repo.issues {
                if let id = issue.id { nextIssueID = max(nextIssueID, id + 1) }
                for c in issue.comments { if let id = c.id { nextCommentID = max(nextCommentID, id + 1) } }
                for e in issue.events { if let id = e.id { nextEventID = max(nextEventID, id + 1) } }
            }
            for runs in repo.checkRuns.values {
                for run in runs { if let id = run.id { nextCheckRunID = max(nextCheckRunID, id + 1) } }
            }
            for list in repo.statuses.values {
                for status in list { if let id = status.id { nextStatusID = max(nextStatusID, id + 1) } }
            }
            for pull in repo.pulls {
                for review in pull.reviews { if let id = review.id { nextReviewID = max(nextReviewID, id + 1) } }
            }
        }
        for repo in scenario.repos { repos.append(normalised(repo)) }
        if fleet.lagSeconds > 0 { fleet.reindex(repos, now: now) }
    }

    /// Fills in ids, timestamps and repository labels that the scenario left out.
    private mutating func normalised(_ input: SimRepo) -> SimRepo {
        var repo = input
        if repo.id == nil { repo.id = allocRepoID() }
        var labels: [SimLabel] = []
        for var label in repo.labels where !labels.contains(where: { $0.name.lowercased() == label.name.lowercased() })
        {
            if label.id == nil { label.id = allocLabelID() }
            if label.color == nil { label.color = Self.color(for: label.name) }
            labels.append(label)
        }
        repo.labels = labels
        normaliseCommits(&repo)
        normalisePulls(&repo)
        repo.issues.sort { $0.number < $1.number }
        for i in repo.issues.indices {
            var issue = repo.issues[i]
            let created = SimClock.origin.addingTimeInterval(Double(issue.number) * 3600)
            if issue.id == nil { issue.id = allocIssueID() }
            if issue.createdAt == nil { issue.createdAt = SimClock.github(created) }
            if issue.updatedAt == nil { issue.updatedAt = issue.createdAt }
            if issue.state == "closed", issue.closedAt == nil { issue.closedAt = issue.updatedAt }
            if issue.state == "closed", issue.stateReason == nil, !issue.isPullRequest {
                issue.stateReason = "completed"
            }
            for (k, _) in issue.events.enumerated() {
                if issue.events[k].id == nil { issue.events[k].id = allocEventID() }
                if issue.events[k].createdAt == nil {
                    issue.events[k].createdAt = SimClock.github(created.addingTimeInterval(Double(k + 1) * 60))
                }
            }
            for (k, _) in issue.comments.enumerated() {
                if issue.comments[k].id == nil { issue.comments[k].id = allocCommentID() }
                if issue.comments[k].createdAt == nil {
                    issue.comments[k].createdAt = SimClock.github(created.addingTimeInterval(Double(k + 1) * 120))
                }
                if issue.comments[k].updatedAt == nil { issue.comments[k].updatedAt = issue.comments[k].createdAt }
            }
            repo.issues[i] = issue
            for name in issue.labels where !repo.labels.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                repo.labels.append(SimLabel(name: name, color: Self.color(for: name), id: allocLabelID()))
            }
        }
        return repo
    }

    mutating func allocRepoID() -> Int64 {
        defer { nextRepoID += 1 }
        return nextRepoID
    }
    mutating func allocLabelID() -> Int64 {
        defer { nextLabelID += 1 }
        return nextLabelID
    }
    mutating func allocIssueID() -> Int64 {
        defer { nextIssueID += 1 }
        return nextIssueID
    }
    mutating func allocCommentID() -> Int64 {
        defer { nextCommentID += 1 }
        return nextCommentID
    }
    mutating func allocEventID() -> Int64 {
        defer { nextEventID += 1 }
        return nextEventID
    }
    mutating func allocCheckRunID() -> Int64 {
        defer { nextCheckRunID += 1 }
        return nextCheckRunID
    }
    mutating func allocReviewID() -> Int64 {
        defer { nextReviewID += 1 }
        return nextReviewID
    }
    mutating func allocStatusID() -> Int64 {
        defer { nextStatusID += 1 }
        return nextStatusID
    }

    /// A fresh 40-hex SHA, unique within this world.
    mutating func allocSHA(seed: String) -> String {
        shaCounter += 1
        return Self.hex40("\(seed)|\(shaCounter)")
    }

    /// Fills in commit SHAs and dates, check-run and status ids and times.
    private mutating func normaliseCommits(_ repo: inout SimRepo) {
        for branch in repo.branches.keys.sorted() {
            guard var commits = repo.branches[branch] else { continue }
            for k in commits.indices {
                if let sha = commits[k].sha?.lowercased(), Self.isFullSHA(sha) {
                    commits[k].sha = sha
                } else {
                    commits[k].sha = allocSHA(seed: "\(repo.fullName)|\(branch)|\(k)|\(commits[k].message)")
                }
                if commits[k].committedAt == nil {
                    commits[k].committedAt = SimClock.github(SimClock.origin.addingTimeInterval(Double(k) * 3600))
                }
            }
            repo.branches[branch] = commits
        }
        for sha in repo.checkRuns.keys.sorted() {
            guard var runs = repo.checkRuns[sha] else { continue }
            for k in runs.indices {
                if runs[k].id == nil { runs[k].id = allocCheckRunID() }
                let started = runs[k].startedAt ?? SimClock.github(SimClock.origin)
                runs[k].startedAt = started
                if runs[k].status == "completed", runs[k].completedAt == nil { runs[k].completedAt = started }
            }
            repo.checkRuns.removeValue(forKey: sha)
            repo.checkRuns[sha.lowercased(), default: []] += runs
        }
        for sha in repo.statuses.keys.sorted() {
            guard var list = repo.statuses[sha] else { continue }
            for k in list.indices {
                if list[k].id == nil { list[k].id = allocStatusID() }
                if list[k].createdAt == nil {
                    list[k].createdAt = SimClock.github(SimClock.origin.addingTimeInterval(Double(k) * 60))
                }
            }
            repo.statuses.removeValue(forKey: sha)
            repo.statuses[sha.lowercased(), default: []] += list
        }
    }

    static func isFullSHA(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// 40 deterministic hex digits from a seed (FNV-1a, three salts).
    static func hex40(_ seed: String) -> String {
        var out = ""
        for salt in ["a", "b", "c"] {
            var hash: UInt64 = 14_695_981_039_346_656_037
            for byte in (salt + seed).utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
            let hex = String(hash, radix: 16)
            out += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return String(out.prefix(40))
    }

    /// The scenario that reproduces the current state.
    var scenario: GitHubScenario {
        GitHubScenario(
            tokens: tokens,
            repos: repos.indices.map(repoWithSyncedPulls),
            rateLimit: fleet.limitsConfigured ? fleet.limits : nil,
            searchLagSeconds: fleet.lagSeconds > 0 ? fleet.lagSeconds : nil,
            app: appState.app
        )
    }

    // MARK: Lookup

    func repoIndex(_ owner: String, _ name: String) -> Int? {
        repos.firstIndex { $0.owner.lowercased() == owner.lowercased() && $0.name.lowercased() == name.lowercased() }
    }

    func issueIndex(repo r: Int, number: Int) -> Int? {
        repos[r].issues.firstIndex { $0.number == number }
    }

    /// Resolves a reference relative to a repository.
    func resolve(_ ref: SimIssueRef, from r: Int) -> (repo: Int, issue: Int)? {
        let target: Int?
        if let owner = ref.owner, let name = ref.repo { target = repoIndex(owner, name) } else { target = r }
        guard let target, let i = issueIndex(repo: target, number: ref.number) else { return nil }
        return (target, i)
    }

    /// Deterministic label colour from the name.
    static func color(for name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash & 0xFFFFFF, radix: 16)
        return String(repeating: "0", count: 6 - hex.count) + hex
    }

    /// Deterministic user id from the login.
    static func userID(for login: String) -> Int64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in login.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return Int64(hash % 90_000_000) + 1_000_000
    }

    // MARK: Roles

    /// The role (`admin`, `maintain`, `write`, `triage`, `read`, `none`) of a login, or `nil` when unlisted.
    func role(of login: String, in r: Int) -> String? {
        let repo = repos[r]
        if let role = repo.collaborators.first(where: { $0.key.lowercased() == login.lowercased() })?.value {
            return role.lowercased()
        }
        if repo.owner.lowercased() == login.lowercased() { return "admin" }
        return nil
    }

    func authorAssociation(of login: String, in r: Int) -> String {
        if repos[r].owner.lowercased() == login.lowercased() { return "OWNER" }
        if let role = role(of: login, in: r), role != "none" { return "COLLABORATOR" }
        return "NONE"
    }

    // MARK: Mutations shared by routes and the Swift API

    /// Adds labels (creating unknown ones in the repository) and records `labeled` events for new ones.
    /// Returns the canonical names that were newly added.
    @discardableResult
    mutating func addLabels(_ names: [String], repo r: Int, issue i: Int, actor: String?, now: Date) -> [String] {
        var added: [String] = []
        for raw in names {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            let canonical: String
            if let existing = repos[r].labels.first(where: { $0.name.lowercased() == name.lowercased() }) {
                canonical = existing.name
            } else {
                repos[r].labels.append(SimLabel(name: name, color: Self.color(for: name), id: allocLabelID()))
                canonical = name
            }
            guard !repos[r].issues[i].labels.contains(where: { $0.lowercased() == canonical.lowercased() }) else {
                continue
            }
            repos[r].issues[i].labels.append(canonical)
            repos[r].issues[i].events
                .append(
                    SimIssueEvent(
                        id: allocEventID(),
                        event: "labeled",
                        actor: actor,
                        label: canonical,
                        createdAt: SimClock.github(now)
                    )
                )
            added.append(canonical)
        }
        if !added.isEmpty { repos[r].issues[i].updatedAt = SimClock.github(now) }
        return added
    }

    /// Removes a label; returns false when it was not on the issue.
    mutating func removeLabel(_ name: String, repo r: Int, issue i: Int, actor: String?, now: Date) -> Bool {
        guard let k = repos[r].issues[i].labels.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            return false
        }
        let canonical = repos[r].issues[i].labels.remove(at: k)
        repos[r].issues[i].events
            .append(
                SimIssueEvent(
                    id: allocEventID(),
                    event: "unlabeled",
                    actor: actor,
                    label: canonical,
                    createdAt: SimClock.github(now)
                )
            )
        repos[r].issues[i].updatedAt = SimClock.github(now)
        return true
    }

    /// Appends a comment and returns it.
    mutating func addComment(_ body: String, repo r: Int, issue i: Int, user: String, now: Date) -> SimComment {
        let stamp = SimClock.github(now)
        let comment = SimComment(id: allocCommentID(), user: user, body: body, createdAt: stamp, updatedAt: stamp)
        repos[r].issues[i].comments.append(comment)
        repos[r].issues[i].updatedAt = stamp
        return comment
    }

    /// Opens or closes an issue, recording a `closed` / `reopened` event. `stateReason` applies only when
    /// the state changes (https://docs.github.com/en/rest/issues/issues#update-an-issue).
    mutating func setState(_ state: String, reason: String?, repo r: Int, issue i: Int, actor: String?, now: Date) {
        let stamp = SimClock.github(now)
        guard repos[r].issues[i].state != state else { return }
        repos[r].issues[i].state = state
        repos[r].issues[i].updatedAt = stamp
        if state == "closed" {
            repos[r].issues[i].closedAt = stamp
            repos[r].issues[i].stateReason = reason ?? "completed"
        } else {
            repos[r].issues[i].closedAt = nil
            repos[r].issues[i].stateReason = reason ?? "reopened"
        }
        repos[r].issues[i].events
            .append(
                SimIssueEvent(
                    id: allocEventID(),
                    event: state == "closed" ? "closed" : "reopened",
                    actor: actor,
                    createdAt: stamp
                )
            )
    }
}
