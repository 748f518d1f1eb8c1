import AFKAdapters
import AFKCore
import AFKSimulator
import Foundation
import Testing

/// A response as the tests see it.
struct Reply {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { JSONValue.parse(body) }
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Requests to the simulator, through afk's own ``NIOTransport``: it never calls
/// Swift's cooperative pool, so many tests may talk HTTP at once.
/// with two threads the whole test process could stall).
enum HTTP {
    static let transport = NIOTransport(timeoutSeconds: 30)

    static func send(
        _ method: String,
        _ url: URL,
        token: String? = nil,
        scheme: String = "Bearer",
        body: String? = nil
    ) async throws -> Reply {
        var headers: [String: String] = [:]
        if let token { headers["Authorization"] = "\(scheme) \(token)" }
        if body != nil { headers["Content-Type"] = "application/json" }
        return try await send(method, url, headers: headers, body: body.map { Data($0.utf8) })
    }

    /// Like `send`, with arbitrary request headers and a raw body.
    static func send(_ method: String, _ url: URL, headers: [String: String], body: Data? = nil) async throws -> Reply {
        let response = try await transport.send(ServiceRequest(method: method, url: url, headers: headers, body: body))
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }
}

/// Starts a simulator, runs `body`, always stops it.
func withSimulator(
    _ scenario: Scenario,
    _ body: (Simulator) async throws -> Void
) async throws {
    let simulator = Simulator(scenario: scenario)
    try await simulator.start()
    do {
        try await body(simulator)
    } catch {
        await simulator.stop()
        throw error
    }
    await simulator.stop()
}

extension Simulator {
    /// `githubURL` + a path like `/repos/acme/widgets/issues?state=all`.
    func gh(_ pathAndQuery: String) async throws -> URL {
        try #require(URL(string: await githubURL.absoluteString + pathAndQuery))
    }

    func t3(_ pathAndQuery: String) async throws -> URL {
        try #require(URL(string: await t3URL.absoluteString + pathAndQuery))
    }

    func control(_ pathAndQuery: String) async throws -> URL {
        try #require(URL(string: await baseURL.absoluteString + "/_sim" + pathAndQuery))
    }
}

/// Parses a `Link` header into rel → URL.
func parseLinks(_ header: String?) -> [String: String] {
    guard let header else { return [:] }
    var out: [String: String] = [:]
    for part in header.components(separatedBy: ", ") {
        let pieces = part.components(separatedBy: "; ")
        guard pieces.count == 2, pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">") else { continue }
        let url = String(pieces[0].dropFirst().dropLast())
        let rel = pieces[1].replacingOccurrences(of: "rel=", with: "").replacingOccurrences(of: "\"", with: "")
        out[rel] = url
    }
    return out
}

enum Fixtures {
    static let botToken = "ghp_bot"
    static let adminToken = "ghp_admin"
    static let t3Token = "t3-secret"
    static let t3ReadOnly = "t3-read"

    /// The brief's sample scenario, as JSON.
    static let sampleJSON = #"""
        { "github": { "tokens": {"ghp_admin": "alice", "ghp_bot": "afk-bot"},
            "repos": [{ "owner": "acme", "name": "widgets", "default_branch": "main", "private": false,
              "collaborators": {"alice": "admin", "bob": "write", "mia": "maintain", "tim": "triage", "rita": "read", "nina": "none", "afk-bot": "write"},
              "labels": ["ready-for-agent", "agent-in-progress", "priority:1", {"name": "area/ui", "color": "123456"}],
              "issues": [{ "number": 1, "title": "Add a widget", "body": "Blocked by #3", "labels": ["ready-for-agent"], "state": "open",
                "is_pull_request": false, "author": "alice",
                "label_events": [{"event": "labeled", "label": "ready-for-agent", "actor": "alice"},
                                 {"event": "assigned", "assignee": "bob", "actor": "alice"},
                                 {"event": "labeled", "label": "priority:1", "actor": null},
                                 {"event": "unlabeled", "label": "priority:1", "actor": "bob"}],
                "blocked_by": [3, "acme/gadgets#4"], "comments": [{"user": "bob", "body": "hi"}] },
                { "number": 2, "title": "PR with label", "labels": ["ready-for-agent", "priority:1"], "is_pull_request": true, "author": "bob" },
                { "number": 3, "title": "Blocker", "labels": ["priority:1"] },
                { "number": 4, "title": "Closed one", "state": "closed", "labels": ["ready-for-agent"] },
                { "number": 5, "title": "UI work", "labels": ["area/ui", "ready-for-agent"] }] },
              { "owner": "acme", "name": "gadgets", "issues": [{ "number": 4, "title": "Gadget blocker" }] }] },
          "t3": { "tokens": {"t3-secret": ["orchestration:read", "orchestration:operate"], "t3-read": ["orchestration:read"]},
                  "existing_dirs": ["/srv/afk"], "server_version": "0.0.27" } }
        """#

    static var sample: Scenario {
        get throws { try Scenario.decode(fromJSON: Data(sampleJSON.utf8)) }
    }

    /// A repository with `count` open issues numbered 1…count.
    static func many(_ count: Int) -> Scenario {
        Scenario(
            github: GitHubScenario(
                tokens: [botToken: "afk-bot"],
                repos: [
                    SimRepo(
                        owner: "acme",
                        name: "big",
                        issues: (1...count)
                            .map {
                                SimIssue(number: $0, title: "Issue \($0)", labels: ["ready-for-agent"])
                            }
                    )
                ]
            )
        )
    }
}

extension Executor {
    /// The agent states ``Executor/observe(threadIDs:)`` reports, without the turn details.
    func states(threadIDs: [String]) async throws(ServiceError) -> [String: AgentState] {
        try await observe(threadIDs: threadIDs).mapValues(\.state)
    }
}
