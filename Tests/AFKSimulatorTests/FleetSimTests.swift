import AFKSimulator
import Foundation
import Testing

/// Fleet scale: cross-repository search (GitHub and Forgejo), its index lag and limits, the rate-limit budget
/// counting down, and latency that does not serialise requests.
@Suite struct FleetSimTests {
    static let json = #"""
        { "github": { "tokens": {"ghp_bot": "afk-bot", "ghp_admin": "alice"},
            "repos": [
              { "owner": "acme", "name": "widgets", "collaborators": {"alice": "admin", "afk-bot": "write"},
                "issues": [
                  { "number": 1, "title": "Add a widget", "labels": ["ready-for-agent"] },
                  { "number": 2, "title": "Widget PR", "labels": ["ready-for-agent"], "is_pull_request": true },
                  { "number": 3, "title": "Help with widgets", "labels": ["help wanted", "priority:1"] },
                  { "number": 4, "title": "Old widget", "labels": ["ready-for-agent"], "state": "closed" } ] },
              { "owner": "acme", "name": "gadgets", "collaborators": {"afk-bot": "write"},
                "issues": [{ "number": 1, "title": "Gadget thing", "labels": ["ready-for-agent", "priority:1"] }] },
              { "owner": "acme", "name": "secret", "private": true, "collaborators": {"alice": "admin"},
                "issues": [{ "number": 1, "title": "Hidden", "labels": ["ready-for-agent"] }] },
              { "owner": "other", "name": "tools",
                "issues": [{ "number": 7, "title": "Tooling", "labels": ["ready-for-agent"] }] } ] },
          "forgejo": { "site_admins": [] } }
        """#

    static var scenario: Scenario {
        get throws { try Scenario.decode(fromJSON: Data(json.utf8)) }
    }

    static func search(_ sim: Simulator, _ q: String, _ extra: String = "") async throws -> Reply {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "q", value: q)]
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return try await HTTP.send("GET", sim.gh("/search/issues?\(query)\(extra)"), token: Fixtures.botToken)
    }

    /// `owner/name#number` of every item.
    static func refs(_ reply: Reply) -> [String] {
        (reply.json?["items"]?.arrayValue ?? [])
            .compactMap { item in
                guard let url = item["repository_url"]?.stringValue, let number = item["number"]?.intValue else {
                    return nil
                }
                return url.components(separatedBy: "/repos/").last.map { "\($0)#\(number)" }
            }
            .sorted()
    }

    @Test func githubSearchQualifiers() async throws {
        try await withSimulator(try Self.scenario) { sim in
            let ready = try await Self.search(sim, "is:issue is:open label:ready-for-agent repo:acme/widgets")
            #expect(ready.status == 200)
            #expect(Self.refs(ready) == ["acme/widgets#1"])
            #expect(ready.json?["incomplete_results"]?.boolValue == false)
            #expect(ready.json?["total_count"]?.intValue == 1)
            #expect(ready.header("x-ratelimit-resource") == "search")
            #expect(ready.header("x-ratelimit-limit") == "30")

            // `type:` reads like `is:`; `state:` like `is:open`; PRs carry `pull_request`.
            let prs = try await Self.search(sim, "type:pr state:open repo:acme/widgets")
            #expect(Self.refs(prs) == ["acme/widgets#2"])
            #expect(prs.json?["items"]?.arrayValue?.first?["pull_request"]?.isObject == true)
            #expect(Self.refs(try await Self.search(sim, "is:closed repo:acme/widgets")) == ["acme/widgets#4"])

            // Quoted names; several label: AND, commas OR; -label: excludes.
            #expect(Self.refs(try await Self.search(sim, #"label:"help wanted" org:acme"#)) == ["acme/widgets#3"])
            #expect(
                Self.refs(try await Self.search(sim, "label:ready-for-agent label:priority:1 is:issue"))
                    == ["acme/gadgets#1"]
            )
            #expect(
                Self.refs(try await Self.search(sim, #"label:"help wanted",priority:1 org:acme"#))
                    == ["acme/gadgets#1", "acme/widgets#3"]
            )
            #expect(
                Self.refs(
                    try await Self.search(sim, "is:issue is:open label:ready-for-agent -label:priority:1 org:acme")
                )
                    == ["acme/widgets#1"]
            )

            // Several repo: are ORed; org:/user: scope by owner; the private repository stays invisible.
            #expect(
                Self.refs(
                    try await Self.search(
                        sim,
                        "is:issue is:open (repo:acme/widgets OR repo:other/tools) label:ready-for-agent"
                    )
                )
                    == ["acme/widgets#1", "other/tools#7"]
            )
            #expect(
                Self.refs(try await Self.search(sim, "is:issue is:open label:ready-for-agent user:acme"))
                    == ["acme/gadgets#1", "acme/widgets#1"]
            )
            #expect(Self.refs(try await Self.search(sim, "Hidden")) == [])
            #expect(Self.refs(try await Self.search(sim, "gadget thing")) == ["acme/gadgets#1"])

            // Dates.
            #expect(Self.refs(try await Self.search(sim, "repo:acme/widgets updated:>=2099-01-01T00:00:00Z")) == [])
            #expect(
                Self.refs(try await Self.search(sim, "repo:acme/gadgets updated:>2020-01-01")) == ["acme/gadgets#1"]
            )
        }
    }

    @Test func githubSearchRefusesWhatGitHubRefuses() async throws {
        try await withSimulator(try Self.scenario) { sim in
            let unknown = try await Self.search(sim, "is:issue repo:acme/nope")
            #expect(unknown.status == 422)
            #expect(unknown.json?["message"]?.stringValue == "Validation Failed")
            #expect(
                unknown.json?["errors"]?.arrayValue?.first?["message"]?.stringValue
                    == "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them."
            )
            #expect(unknown.json?["errors"]?.arrayValue?.first?["resource"]?.stringValue == "Search")
            #expect(unknown.json?["errors"]?.arrayValue?.first?["field"]?.stringValue == "q")
            #expect(unknown.json?["errors"]?.arrayValue?.first?["code"]?.stringValue == "invalid")
            #expect(try await Self.search(sim, "repo:acme/secret").status == 422)
            // In a query naming several, the ones the caller cannot see are dropped.
            let mixed = try await Self.search(
                sim,
                "is:issue is:open (repo:acme/nope OR repo:acme/secret OR repo:acme/gadgets)"
            )
            #expect(mixed.status == 200)
            #expect(Self.refs(mixed) == ["acme/gadgets#1"])

            let operators = try await Self.search(sim, "a OR b OR c OR d OR e OR f OR g")
            #expect(operators.status == 422)
            #expect(try await Self.search(sim, "a OR b OR c OR d OR e OR f").status == 200)
            let long = try await Self.search(sim, "is:issue " + String(repeating: "x", count: 257))
            #expect(long.status == 422)
            #expect(try await Self.search(sim, "is:issue " + String(repeating: "x", count: 256)).status == 200)
            let missing = try await HTTP.send("GET", sim.gh("/search/issues"), token: Fixtures.botToken)
            #expect(missing.status == 422)
            #expect(missing.json?["errors"]?.arrayValue?.first?["code"]?.stringValue == "missing")
        }
    }

    @Test func githubSearchPagesAndCapsAtAThousand() async throws {
        try await withSimulator(Fixtures.many(1005)) { sim in
            let first = try await Self.search(sim, "repo:acme/big is:issue", "&per_page=100")
            #expect(first.json?["total_count"]?.intValue == 1005)
            #expect(first.json?["items"]?.arrayValue?.count == 100)
            let links = parseLinks(first.header("link"))
            #expect(links["next"]?.contains("page=2") == true)
            #expect(links["last"]?.contains("page=10") == true)
            let last = try await Self.search(sim, "repo:acme/big is:issue", "&per_page=100&page=10")
            #expect(last.json?["items"]?.arrayValue?.count == 100)
            #expect(try await Self.search(sim, "repo:acme/big is:issue", "&per_page=100&page=11").status == 422)
        }
    }

    @Test func searchLagsBehindChanges() async throws {
        var scenario = try Self.scenario
        // Long enough that a loaded machine still reads the stale index before it catches up.
        scenario.github.searchLagSeconds = 5
        try await withSimulator(scenario) { sim in
            let q = "is:issue is:open label:ready-for-agent user:acme"
            #expect(Self.refs(try await Self.search(sim, q)) == ["acme/gadgets#1", "acme/widgets#1"])
            #expect(await sim.removeLabel("acme", "widgets", 1, "ready-for-agent", actor: "alice"))
            #expect(await sim.addLabel("acme", "widgets", 3, "ready-for-agent", actor: "alice"))
            // The repository endpoint sees the change at once; search still shows the old labels.
            let stale = try await Self.search(sim, q)
            #expect(Self.refs(stale) == ["acme/gadgets#1", "acme/widgets#1"])
            let item = stale.json?["items"]?.arrayValue?
                .first { $0["number"]?.intValue == 1 && $0["title"]?.stringValue == "Add a widget" }
            #expect(item?["labels"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["ready-for-agent"])
            // The Forgejo view: no keyword reads the database, a keyword the lagging indexer.
            let consistent = try await HTTP.send(
                "GET",
                try #require(
                    URL(
                        string: await sim.forgejoURL.absoluteString
                            + "/api/v1/repos/issues/search?labels=ready-for-agent&type=issues&owner=acme"
                    )
                ),
                token: Fixtures.botToken
            )
            #expect(
                consistent.json?.arrayValue?.compactMap { $0["title"]?.stringValue }.sorted() == [
                    "Gadget thing", "Help with widgets",
                ]
            )
            let keyword = try await HTTP.send(
                "GET",
                try #require(
                    URL(
                        string: await sim.forgejoURL.absoluteString
                            + "/api/v1/repos/issues/search?labels=ready-for-agent&q=widget&type=issues"
                    )
                ),
                token: Fixtures.botToken
            )
            #expect(keyword.json?.arrayValue?.compactMap { $0["title"]?.stringValue } == ["Add a widget"])

            await sim.setSearchLag(seconds: 0)
            #expect(Self.refs(try await Self.search(sim, q)) == ["acme/gadgets#1", "acme/widgets#3"])
        }
    }

    @Test func searchHasItsOwnBucket() async throws {
        try await withSimulator(try Self.scenario) { sim in
            await sim.setSearchRateLimit(3)
            var remaining: [String] = []
            for _ in 0..<3 {
                let reply = try await Self.search(sim, "is:issue")
                #expect(reply.status == 200)
                remaining.append(reply.header("x-ratelimit-remaining") ?? "")
                #expect(reply.header("x-ratelimit-resource") == "search")
            }
            #expect(remaining == ["2", "1", "0"])
            let refused = try await Self.search(sim, "is:issue")
            #expect(refused.status == 403)
            #expect(refused.json?["message"]?.stringValue?.hasPrefix("API rate limit exceeded for user ID") == true)
            #expect(refused.header("x-ratelimit-remaining") == "0")
            #expect(refused.header("x-ratelimit-used") == "3")
            // The core bucket is untouched, and /rate_limit costs nothing.
            let core = try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: Fixtures.botToken)
            #expect(core.header("x-ratelimit-resource") == "core")
            #expect(core.header("x-ratelimit-used") == "1")
            let status = try await HTTP.send("GET", sim.gh("/rate_limit"), token: Fixtures.botToken)
            #expect(status.status == 200)
            #expect(status.json?["resources"]?["search"]?["remaining"]?.intValue == 0)
            #expect(status.json?["resources"]?["search"]?["limit"]?.intValue == 3)
            #expect(status.json?["resources"]?["core"]?["used"]?.intValue == 1)
            #expect(status.json?["rate"]?["limit"]?.intValue == 5000)
        }
    }

    @Test func coreBudgetCountsDown() async throws {
        var scenario = try Self.scenario
        scenario.github.rateLimit = SimRateLimits(core: 100)
        try await withSimulator(scenario) { sim in
            let a = try await HTTP.send("GET", sim.gh("/repos/acme/widgets/issues"), token: Fixtures.botToken)
            let b = try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: Fixtures.botToken)
            #expect(a.header("x-ratelimit-limit") == "100")
            #expect([a, b].map { $0.header("x-ratelimit-remaining") } == ["99", "98"])
            #expect(b.header("x-ratelimit-used") == "2")
            // Another token has its own budget.
            let other = try await HTTP.send("GET", sim.gh("/user"), token: Fixtures.adminToken)
            #expect(other.header("x-ratelimit-remaining") == "99")

            await sim.setRateLimit(core: 5000, remaining: 1, resetIn: 600)
            let last = try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: Fixtures.botToken)
            #expect(last.status == 200)
            #expect(last.header("x-ratelimit-remaining") == "0")
            let refused = try await HTTP.send("GET", sim.gh("/repos/acme/widgets"), token: Fixtures.botToken)
            #expect(refused.status == 403)
            #expect(refused.header("x-ratelimit-remaining") == "0")
            let reset = try #require(refused.header("x-ratelimit-reset").flatMap { Int($0) })
            // About ten minutes ahead (a loaded test machine may take a few seconds to get here).
            #expect(abs(reset - Int(Date().timeIntervalSince1970) - 600) <= 30)
            #expect(refused.json?["documentation_url"]?.stringValue?.contains("primary-rate-limit") == true)
            let status = try await HTTP.send("GET", sim.gh("/rate_limit"), token: Fixtures.botToken)
            #expect(status.status == 200)
            #expect(status.json?["resources"]?["core"]?["remaining"]?.intValue == 0)

            let saved = await sim.currentScenario()
            #expect(saved.github.rateLimit == SimRateLimits(core: 5000, search: 30))
        }
    }

    /// Requests to a service answering after a latency overlap rather than queue: with 8 sent at once
    /// and 300 ms each, the simulator counts several in flight together (a count, not a clock, so a
    /// loaded test machine cannot make it fail), and each answer still waits its latency.
    @Test func latencyDoesNotSerialiseRequests() async throws {
        try await withSimulator(try Self.scenario) { sim in
            sim.setLatency(.github, milliseconds: 300)
            let url = try await sim.gh("/repos/acme/widgets")
            sim.resetMaxInFlight()
            let started = Date()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await HTTP.send("GET", url, token: Fixtures.botToken).status }
                }
                var out: [Int] = []
                for try await status in group { out.append(status) }
                return out
            }
            #expect(statuses == Array(repeating: 200, count: 8))
            #expect(sim.maxInFlight(.github) >= 4, "at most \(sim.maxInFlight(.github)) in flight at once")
            #expect(Date().timeIntervalSince(started) >= 0.3)
            #expect(sim.inFlight(.github) == 0)
            sim.resetMaxInFlight()
            #expect(sim.maxInFlight(.github) == 0)
        }
    }

    @Test func fleetKeysRoundTrip() throws {
        let json = #"""
            { "github": { "rate_limit": {"core": 1000}, "search_lag_seconds": 5 },
              "latency_ms": {"default": 50, "t3": 5} }
            """#
        let scenario = try Scenario.decode(fromJSON: Data(json.utf8))
        #expect(scenario.github.rateLimit == SimRateLimits(core: 1000, search: 30))
        #expect(scenario.github.searchLagSeconds == 5)
        #expect(scenario.latencyMs == SimLatency(milliseconds: 50, services: [.t3: 5]))
        let again = try Scenario.decode(fromJSON: try scenario.encodedJSON())
        #expect(again == scenario)
        let plain = try Scenario.decode(fromJSON: Data(#"{"latency_ms": 20}"#.utf8))
        #expect(plain.latencyMs == SimLatency(milliseconds: 20))
        #expect(throws: DecodingError.self) {
            try Scenario.decode(fromJSON: Data(#"{"latency_ms": {"nope": 1}}"#.utf8))
        }
    }

    @Test(arguments: [false, true])
    func aFleetShowsItsBusyRepositories(forgejo: Bool) async throws {
        let fleet = SimFleet(repos: 5, busy: 1, readyPerRepo: 2, running: 1, forgejo: forgejo)
        #expect(fleet.repoNames == ["acme/r001", "acme/r002", "acme/r003", "acme/r004", "acme/r005"])
        #expect(fleet.busyIssues.map(\.number) == [1, 2])
        try await withSimulator(fleet.scenario) { sim in
            await fleet.labelBusy(on: sim)
            let base = forgejo ? await sim.forgejoURL.absoluteString + "/api/v1" : await sim.githubURL.absoluteString
            let path =
                forgejo
                ? "/repos/issues/search?labels=ready-for-agent&type=issues&state=open&owner=acme"
                : "/search/issues?q=org:acme+is:issue+is:open+label:ready-for-agent"
            let reply = try await HTTP.send("GET", try #require(URL(string: base + path)), token: SimFleet.botToken)
            #expect(reply.status == 200)
            let items = forgejo ? reply.json?.arrayValue : reply.json?["items"]?.arrayValue
            #expect(items?.count == 3)
            if forgejo { #expect(reply.header("x-total-count") == "3") }
            let issue = try #require(await sim.issue("acme", fleet.busyIssues[0].repo, 1))
            #expect(issue.events.last?.actor == SimFleet.admin)
        }
    }

    /// github.com's advanced search reads a space as AND: two repositories not joined by OR match nothing.
    @Test func twoRepositoriesWithoutORMatchNothing() async throws {
        try await withSimulator(try Self.scenario) { sim in
            let and = try await Self.search(sim, "is:issue is:open repo:acme/gadgets repo:acme/widgets")
            #expect(and.status == 200)
            #expect(Self.refs(and).isEmpty)
            let or = try await Self.search(sim, "is:issue is:open (repo:acme/gadgets OR repo:acme/widgets)")
            #expect(!Self.refs(or).isEmpty)
        }
    }
}
