import Foundation

/// A fleet of repositories for benchmarks: `acme/r001` … `acme/rNNN`, each with afk's labels, an admin (`alice`),
/// the bot as a writer and one commit on `main`. A few are busy: they hold ``readyPerRepo`` issues that
/// ``labelBusy(on:)`` labels `ready-for-agent` as the admin (trusted work for afk). ``running`` further issues
/// carry the label from the start, spread over the quiet repositories, so that a first poller tick can turn them
/// into runs to watch. T3's agents keep every turn running (`run_forever`).
///
/// ## Usage
/// ```swift
/// let fleet = SimFleet(repos: 200, busy: 5)
/// let sim = Simulator(scenario: fleet.scenario)
/// try await sim.start()
/// await fleet.labelBusy(on: sim)
/// ```
public struct SimFleet: Sendable {
    /// The GitHub (and Forgejo) token of the bot afk runs as.
    public static let botToken = "ghp_fleet_bot"
    /// The bot's login.
    public static let botLogin = "afk-bot"
    /// The T3 token (read and operate).
    public static let t3Token = "t3_fleet_token"
    /// The repositories' admin, who labels work ready.
    public static let admin = "alice"
    /// The label that marks work ready.
    public static let readyLabel = "ready-for-agent"
    /// T3's workspace root (`executor.workspace_root`).
    public static let workspaceRoot = "/srv/afk"

    /// One issue of the fleet.
    public struct Issue: Sendable, Equatable {
        public var owner: String
        public var repo: String
        public var number: Int
    }

    /// The world.
    public let scenario: Scenario
    /// Every repository, `owner/name`.
    public let repoNames: [String]
    /// The issues ``labelBusy(on:)`` labels ready.
    public let busyIssues: [Issue]
    /// The issues ready from the start.
    public let runningIssues: [Issue]

    /// Builds the fleet.
    /// - Parameters:
    ///   - repos: How many repositories (at least 1).
    ///   - busy: How many of them get ready work (spread evenly; at most `repos`).
    ///   - readyPerRepo: Issues per busy repository.
    ///   - running: Issues ready from the start, over the other repositories (round robin).
    ///   - forgejo: Prepare the world for the Forgejo view (the bot a site administrator, afk's labels everywhere).
    public init(repos: Int, busy: Int = 5, readyPerRepo: Int = 1, running: Int = 0, forgejo: Bool = false) {
        let count = max(1, repos)
        let busyCount = min(max(0, busy), count)
        let busyIndices = Set((0..<busyCount).map { $0 * count / max(1, busyCount) })
        let quiet = (0..<count).filter { !busyIndices.contains($0) }
        let width = max(3, String(count).count)
        let names = (1...count)
            .map { "r" + String(repeating: "0", count: max(0, width - String($0).count)) + String($0) }
        let labels = [
            SimLabel(name: Self.readyLabel, color: "0e8a16"), SimLabel(name: "agent-in-progress", color: "fbca04"),
            SimLabel(name: "ready-for-human", color: "d93f0b"), SimLabel(name: "afk-paused", color: "fbca04"),
        ]
        var repoList: [SimRepo] = []
        var busyIssues: [Issue] = []
        var runningIssues: [Issue] = []
        for (k, name) in names.enumerated() {
            var issues: [SimIssue] = []
            if busyIndices.contains(k) {
                for n in 1...max(1, readyPerRepo) {
                    issues.append(
                        SimIssue(
                            number: n,
                            title: "Fleet task \(n) in \(name)",
                            body: "Do task \(n).",
                            author: Self.admin
                        )
                    )
                    busyIssues.append(Issue(owner: "acme", repo: name, number: n))
                }
            }
            repoList.append(
                SimRepo(
                    owner: "acme",
                    name: name,
                    collaborators: [Self.admin: "admin", Self.botLogin: "write"],
                    labels: labels,
                    issues: issues,
                    branches: [
                        "main": [
                            SimCommit(
                                sha: ForgeWorld.hex40("fleet|\(name)|initial"),
                                message: "Initial commit",
                                committedAt: "2025-12-01T09:00:00Z",
                                author: Self.admin
                            )
                        ]
                    ]
                )
            )
        }
        let hosts = quiet.isEmpty ? Array(0..<count) : quiet
        for k in 0..<max(0, running) {
            let r = hosts[k % hosts.count]
            let number = 100 + k / hosts.count
            repoList[r].issues
                .append(
                    SimIssue(
                        number: number,
                        title: "Running task \(number) in \(names[r])",
                        body: "Keep going.",
                        labels: [Self.readyLabel],
                        author: Self.admin,
                        events: [.labeled(Self.readyLabel, by: Self.admin)]
                    )
                )
            runningIssues.append(Issue(owner: "acme", repo: names[r], number: number))
        }
        var scenario = Scenario(
            github: GitHubScenario(tokens: [Self.botToken: Self.botLogin], repos: repoList),
            t3: T3Scenario(
                tokens: [Self.t3Token: ["orchestration:read", "orchestration:operate"]],
                existingDirs: [Self.workspaceRoot, "/tmp"],
                defaultAgentScript: .runForever
            )
        )
        if forgejo { scenario = scenario.forForgejo(bot: Self.botLogin) }
        self.scenario = scenario
        self.repoNames = names.map { "acme/\($0)" }
        self.busyIssues = busyIssues
        self.runningIssues = runningIssues
    }

    /// Labels every busy issue `ready-for-agent` as the admin (a `labeled` event by a trusted login).
    public func labelBusy(on simulator: Simulator) async {
        for issue in busyIssues {
            await simulator.addLabel(issue.owner, issue.repo, issue.number, Self.readyLabel, actor: Self.admin)
        }
    }
}
