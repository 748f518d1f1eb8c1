import AFKCore
import Testing

/// Deterministic executor ids: a pure function of repository, issue, run and generation,
/// URL-safe, and recoverable with `RunIdentity.parse(threadID:)`.
struct RunIdentityTests {
    /// Repositories chosen to confuse the parser: separators, `-i`/`-r`/`-g` look-alikes, digits.
    static let repos = [
        "acme/widgets", "Acme-Org/my.repo_name", "a/b", "x-g5/repo-gadgets", "a-b/c", "a/b-c",
        "owner-i1/name-r2", "o/n-i3-r4-g5", "o-g1/n-g2", "o/n-g", "1/2", "o/-i1", "o_o/n.n", "o/n-r0", "o/n-i",
        "UPPER/Case-MIX",
    ]

    static func identities() -> [RunIdentity] {
        repos.flatMap { text -> [RunIdentity] in
            let repo = RepoRef(parsing: text)!
            return [1, 2, 42, 1_000_000]
                .flatMap { number in
                    [1, 3, 10]
                        .flatMap { run in
                            [0, 1, 2, 12]
                                .map {
                                    RunIdentity(issue: IssueRef(repo: repo, number: number), run: run, generation: $0)
                                }
                        }
                }
        }
    }

    @Test(arguments: repos)
    func idsRoundTrip(repo text: String) throws {
        let repo = try #require(RepoRef(parsing: text))
        for identity in Self.identities() where identity.issue.repo == repo {
            let parsed = try #require(RunIdentity.parse(threadID: identity.threadID), "\(identity.threadID)")
            #expect(parsed.issue.number == identity.issue.number)
            #expect(parsed.run == identity.run)
            #expect(parsed.generation == identity.generation)
            // The repository comes back lower-cased.
            #expect(parsed.issue.repo == RepoRef(owner: repo.owner.lowercased(), name: repo.name.lowercased()))
            // Re-minting from the parsed identity gives the same ids.
            #expect(parsed.threadID == identity.threadID)
            #expect(parsed.threadCreateCommandID == identity.threadCreateCommandID)
            #expect(parsed.projectID == identity.projectID)
        }
    }

    @Test func idsAreDistinctForDistinctRunsAndStableAcrossCasing() {
        let identities = Self.identities()
        // Distinct (lower-cased repo, number, run, generation) give distinct thread ids...
        var byID: [String: RunIdentity] = [:]
        for identity in identities {
            if let other = byID[identity.threadID],
                other.issue.repo.slug != identity.issue.repo.slug
                    || other.issue.number != identity.issue.number || other.run != identity.run
                    || other.generation != identity.generation
            {
                Issue.record("\(identity) and \(other) share \(identity.threadID)")
            }
            byID[identity.threadID] = identity
        }
        // ...and the same ones give the same id whatever the configured casing.
        let lower = RunIdentity(
            issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7),
            run: 2,
            generation: 1
        )
        let upper = RunIdentity(
            issue: IssueRef(repo: RepoRef(owner: "ACME", name: "Widgets"), number: 7),
            run: 2,
            generation: 1
        )
        #expect(lower.threadID == upper.threadID)
        #expect(lower.turnStartCommandID(turn: 3) == upper.turnStartCommandID(turn: 3))
    }

    @Test func idsUseOnlyURLSafeCharacters() {
        for identity in Self.identities() {
            for id in [
                identity.threadID, identity.threadCreateCommandID, identity.turnStartCommandID(turn: 2),
                identity.messageID(turn: 2),
                identity.projectID, RunIdentity.projectCreateCommandID(for: identity.issue.repo),
            ] {
                #expect(
                    id.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.~".unicodeScalars.contains($0)
                    },
                    "\(id)"
                )
            }
        }
    }

    @Test func exactFormats() {
        let repo = RepoRef(owner: "Acme", name: "Widgets")
        let first = RunIdentity(issue: IssueRef(repo: repo, number: 7), run: 1)
        #expect(first.generation == 0)
        #expect(first.projectID == "afk-acme~widgets")
        #expect(RunIdentity.projectID(for: repo) == "afk-acme~widgets")
        #expect(RunIdentity.projectCreateCommandID(for: repo) == "afk-acme~widgets-create")
        #expect(first.threadID == "afk-acme~widgets-i7-r1")
        #expect(first.threadCreateCommandID == "afk-acme~widgets-i7-r1-create")
        #expect(first.turnStartCommandID(turn: 1) == "afk-acme~widgets-i7-r1-turn1")
        #expect(first.messageID(turn: 2) == "afk-acme~widgets-i7-r1-msg2")
        #expect(first.description == "Acme/Widgets#7 run 1")
        let redispatched = RunIdentity(issue: IssueRef(repo: repo, number: 7), run: 1, generation: 2)
        #expect(redispatched.threadID == "afk-acme~widgets-i7-r1-g2")
        #expect(redispatched.threadCreateCommandID == "afk-acme~widgets-i7-r1-g2-create")
        #expect(redispatched.turnStartCommandID(turn: 1) == "afk-acme~widgets-i7-r1-g2-turn1")
    }

    @Test func everyIdOfOneRunIsDistinct() {
        let identity = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7), run: 1)
        let ids =
            [identity.threadID, identity.threadCreateCommandID, identity.projectID]
            + (1...5)
            .flatMap {
                [identity.turnStartCommandID(turn: $0), identity.messageID(turn: $0)]
            }
        #expect(Set(ids).count == ids.count)
        // The same inputs always give the same ids (no clock, no randomness).
        let again = RunIdentity(issue: IssueRef(repo: RepoRef(owner: "acme", name: "widgets"), number: 7), run: 1)
        #expect(
            again == identity && again.threadID == identity.threadID
                && again.turnStartCommandID(turn: 4) == identity.turnStartCommandID(turn: 4)
        )
    }

    @Test(arguments: [
        "", "afk-", "afk", "thread-1", "t3-acme~widgets-i7-r1", "AFK-acme~widgets-i7-r1",
        "afk-acme~widgets-i7", "afk-acme~widgets-r1", "afk-acmewidgets-i7-r1", "afk-acme/widgets-i7-r1",
        "afk-acme~widgets~x-i7-r1", "afk-~widgets-i7-r1", "afk-acme~-i7-r1", "afk-acme~wid gets-i7-r1",
        "afk-acme~widgets-i0-r1", "afk-acme~widgets-i7-r0", "afk-acme~widgets-i-1-r1", "afk-acme~widgets-i7-r-1",
        "afk-acme~widgets-ix-r1", "afk-acme~widgets-i7-rx", "afk-acme~widgets-i7-r1-g0", "afk-acme~widgets-i7-r1-gx",
        "afk-acme~widgets-i7-r1-create", "afk-acme~widgets-i7-r1-turn1", "afk-acme~widgets",
    ])
    func foreignIdsDoNotParse(id: String) {
        #expect(RunIdentity.parse(threadID: id) == nil, "\(id)")
    }
}
