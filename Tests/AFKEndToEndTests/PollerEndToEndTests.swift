import AFKSimulator
import AFKTesting
import Foundation
import Testing

/// `afk-poller` run as a separate process against the simulator over HTTP on 127.0.0.1,
/// one test per behaviour of a tick.
@Suite(.timeLimit(.minutes(3)))
struct PollerEndToEndTests {
    let widgets = "acme/widgets"

    // MARK: Disabled by default

    @Test(arguments: Forge.allCases) func shippedDefaultsMakeNoRequestAtAll(forge: Forge) async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        // Endpoints and tokens are set, but the kill switch is at its default (on).
        var env = world.environment(allowlist: widgets)
        env["AFK_KILL_SWITCH"] = nil
        let run = try await world.poller(["--output", "json"], env: env)
        #expect(run.code == 0)
        #expect(run.report?["disabled"] as? String != nil)
        #expect(run.stderr.contains("kill switch is on"))
        #expect(await world.sim.requests().isEmpty)

        let empty = try await world.poller(["--output", "json"], env: world.environment(allowlist: ""))
        #expect(empty.code == 0)
        #expect(empty.stderr.contains("allowlist is empty"))
        #expect(await world.sim.requests().isEmpty)
    }

    @Test(arguments: Forge.allCases) func aBadValueIsAConfigurationErrorBeforeAnyRequest(forge: Forge) async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets, ["AFK_KILL_SWITCH": "maybe"]))
        #expect(run.code == 2)
        #expect(run.stderr.contains("AFK_KILL_SWITCH must be true or false"))
        let bad = try await world.poller(env: world.environment(allowlist: "acme/widgets,widgets"))
        #expect(bad.code == 2)
        #expect(bad.stderr.contains("AFK_ALLOWLIST entries must be owner/name"))
        let usage = try await world.poller(["--output", "xml"], env: world.environment(allowlist: widgets))
        #expect(usage.code == 2)
        #expect(await world.sim.requests().isEmpty)
    }

    /// A misspelt key would quietly drop a safety net: the tick names every problem (key, where,
    /// the nearest valid key), exits 2 and makes no request; a YAML error never echoes the file.
    @Test func unknownKeysAndYAMLErrorsStopTheTickNamingEveryProblem() async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]))
        defer { Task { await world.stop() } }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("afk-e2e-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("afk.yaml")
        try "fix_forward_max_attemps: 1\nstage:\n  rollout: kubernetes\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let env = world.environment(allowlist: widgets, ["AFK_STAL_SECONDS": "60"])
        let run = try await world.poller(["--config", file.path, "--output", "json"], env: env)
        #expect(run.code == 2)
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("afk: configuration error:") }
        #expect(lines.count == 3, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "unknown key `fix_forward_max_attemps` (in \(file.path), line 1, column 1); did you mean `fix_forward_max_attempts`?"
            )
        )
        #expect(run.stderr.contains("unknown key `stage`") && run.stderr.contains("did you mean `stages`?"))
        #expect(
            run.stderr.contains(
                "AFK_STAL_SECONDS (environment) is not an afk configuration variable; did you mean AFK_STALL_SECONDS?"
            )
        )
        try "tracker:\n  token: \(World.botToken)\n  bot_login: [afk-bot\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let broken = try await world.poller(["--config", file.path], env: world.environment(allowlist: widgets))
        #expect(broken.code == 2)
        #expect(broken.stderr.contains("is not valid YAML") && broken.stderr.contains("line"), "\(broken.stderr)")
        #expect(!broken.stderr.contains("SECRET") && !broken.stdout.contains("SECRET"))
        let directory = try await world.poller(["--config", dir.path], env: world.environment(allowlist: widgets))
        #expect(directory.code == 2)
        #expect(
            directory.stderr
                == "afk: configuration error: config file \(dir.path) (--config / AFK_CONFIG) is a directory; name the YAML file in it\n"
        )
        #expect(await world.sim.requests().isEmpty)
    }

    // MARK: Dispatch and what it leaves in the tracker

    @Test(arguments: Forge.allCases) func dispatchesTheTrustedReadyIssueToT3AndRecordsTheRun(forge: Forge) async throws
    {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(4, title: "Add a cache")]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.dispatched == ["acme/widgets#4"])
        #expect(run.action(widgets, 4)?["dry_run"] as? Bool == false)

        let threads = await world.sim.threads()
        #expect(threads.map(\.id) == ["afk-acme~widgets-i4-r1"])
        #expect(await world.sim.projects().map(\.id) == ["afk-acme~widgets"])
        #expect(await world.labels(widgets, 4).contains("agent-in-progress"))
        let comments = await world.comments(widgets, 4)
        #expect(comments.count == 1)
        #expect(comments.first?.user == "afk-bot")
        let body = comments.first?.body ?? ""
        #expect(body.contains("<!-- afk:run "))
        #expect(body.contains(#""thread_id":"afk-acme~widgets-i4-r1""#))
        #expect(body.contains(#""run":1"#) && body.contains(#""schema":1"#) && body.contains(#""executor":"t3""#))
        // The turn carries the preamble and names the concrete issue.
        let turn = await world.sim.requests().first { $0.body?.contains("thread.turn.start") == true }
        #expect(turn?.body?.contains("AFK-Issue: acme/widgets#4") == true)
        #expect(turn?.body?.contains("Implement acme/widgets#4") == true)
        // Tokens never reach the output.
        #expect(!run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"))
    }

    @Test(arguments: Forge.allCases) func aSecondTickFindsTheRepoLockedAndStartsNothing(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(4), issueJSON(5)]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: widgets)
        let first = try await world.poller(env: env)
        #expect(first.dispatched == ["acme/widgets#4"])
        #expect(first.reason(widgets, 5).contains("slot taken by #4"))
        let second = try await world.poller(env: env)
        #expect(second.code == 0)
        #expect(second.dispatched.isEmpty)
        #expect(second.reason(widgets, 5).contains("repo locked"))
        #expect(await world.sim.threads().count == 1)
        #expect(await world.comments(widgets, 4).count == 1)
    }

    @Test(arguments: Forge.allCases) func anExistingLockFromAnotherIssueBlocksTheRepoButNotOthers(forge: Forge)
        async throws
    {
        let world = try await World.start(
            repos: [
                repoJSON(
                    "acme/widgets",
                    issues: [issueJSON(1, labels: ["agent-in-progress"], readyBy: nil), issueJSON(2)]
                ),
                repoJSON("acme/api", issues: [issueJSON(3)]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: "acme/widgets,acme/api"))
        #expect(run.code == 0)
        #expect(run.dispatched == ["acme/api#3"])
        #expect(run.reason(widgets, 2).contains("repo locked: an agent is already working on #1"))
    }

    // MARK: Gates

    @Test(arguments: Forge.allCases) func pullRequestsAreNeverDispatched(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, pr: true)]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.dispatched.isEmpty)
        if forge == .github {
            #expect(run.reason(widgets, 1).contains("pull request"))
        } else {
            #expect(run.action(widgets, 1) == nil)  // `type=issues`: Forgejo never lists it
        }
        #expect(await world.writes().isEmpty)
    }

    @Test(arguments: Forge.allCases) func trustGateFailsClosed(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                issues: [
                    issueJSON(1, readyBy: "rita"),  // read
                    issueJSON(2, readyBy: "tim"),  // triage
                    issueJSON(3, readyBy: "stranger"),  // 404
                    issueJSON(4, readyBy: nil),  // no event
                    // trusted first, then removed and re-applied by someone untrusted
                    issueJSON(
                        5,
                        readyBy: "alice",
                        extraEvents:
                            #"{"event": "unlabeled", "label": "ready-for-agent", "actor": "rita"}, {"event": "labeled", "label": "ready-for-agent", "actor": "rita"}"#
                    ),
                ]
            ),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.code == 0)
        #expect(run.dispatched.isEmpty)
        #expect(run.reason(widgets, 1).contains("rita, whose permission is read"))
        #expect(run.reason(widgets, 2).contains("tim, whose permission is read"))
        // Forgejo answers an administrator's question about an outsider with `read` (untrusted, like GitHub's 404).
        #expect(
            run.reason(widgets, 3)
                .contains(
                    forge == .github ? "stranger, who is not a collaborator" : "stranger, whose permission is read"
                )
        )
        #expect(run.reason(widgets, 4).contains("no labeled event"))
        #expect(run.reason(widgets, 5).contains("rita"))
        #expect(await world.writes().isEmpty)
    }

    @Test(arguments: Forge.allCases) func maintainCountsAsWrite(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON("acme/widgets", issues: [issueJSON(1, readyBy: "mia")]),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.dispatched == ["acme/widgets#1"])
        #expect(run.reason(widgets, 1).contains("mia"))
    }

    @Test(arguments: Forge.allCases) func blockersHoldAnIssueWhileAnyIsOpenOrUnresolvable(forge: Forge) async throws {
        let world = try await World.start(
            repos: [
                repoJSON(
                    "acme/widgets",
                    issues: [
                        issueJSON(1, body: "Blocked by #2", labels: ["ready-for-agent", "priority:1"]),
                        issueJSON(2, labels: [], readyBy: nil),  // open blocker
                        // closed cross-repo blocker → ok
                        issueJSON(3, body: "blocked by acme/api#7", labels: ["ready-for-agent", "priority:1"]),
                        // native dependency, open
                        issueJSON(4, labels: ["ready-for-agent", "priority:0"], blockedBy: ["2"]),
                        // unresolvable
                        issueJSON(5, body: "Blocked by #404", labels: ["ready-for-agent", "priority:0"]),
                    ]
                ),
                repoJSON("acme/api", issues: [issueJSON(7, labels: [], readyBy: nil, state: "closed")]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.dispatched == ["acme/widgets#3"])
        #expect(run.reason(widgets, 4).contains("blocked by open acme/widgets#2"))
        #expect(run.reason(widgets, 5).contains("unresolvable acme/widgets#404"))
        #expect(run.reason(widgets, 1).contains("blocked by open acme/widgets#2"))
    }

    @Test(arguments: Forge.allCases) func pausedAndHandedToHumanAreSkipped(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                issues: [
                    issueJSON(1, labels: ["ready-for-agent", "afk-paused"]),
                    issueJSON(2, labels: ["ready-for-agent", "ready-for-human"]),
                ]
            ),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.dispatched.isEmpty)
        #expect(run.reason(widgets, 1).contains("paused"))
        #expect(run.reason(widgets, 2).contains("handed to a human"))
    }

    // MARK: Order and cost

    @Test(arguments: Forge.allCases) func priorityOrdersTheQueueAndOnlyTheWinnerIsEvaluated(forge: Forge) async throws {
        var issues = (1...30).map { issueJSON($0) }
        issues.append(issueJSON(40, labels: ["ready-for-agent", "priority:3"]))
        issues.append(issueJSON(41, labels: ["ready-for-agent", "priority:1"]))
        issues.append(issueJSON(42, labels: ["ready-for-agent", "priority:1"]))
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: issues), forge: forge)
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.dispatched == ["acme/widgets#41"])
        #expect(run.reason(widgets, 42).contains("slot taken by #41"))
        #expect(run.actions.count == 33)
        // Cheap gates first: events and permissions were read for the winner only.
        let requests = await world.sim.requests()
        // (The Forgejo timeline has no `Link` header: it is read up to an empty page.)
        let eventReads = uniqued(requests.filter { $0.path.hasSuffix(forge.labelEventsSuffix) }.map(\.path))
        #expect(eventReads == [world.trackerPath("/repos/acme/widgets/issues/41" + forge.labelEventsSuffix)])
        #expect(requests.filter { $0.path.contains("/permission") }.count == 1)
    }

    @Test(arguments: Forge.allCases) func anUntrustedFavouriteFallsThroughToTheNextCandidate(forge: Forge) async throws
    {
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                issues: [
                    issueJSON(1, labels: ["ready-for-agent", "priority:1"], readyBy: "rita"),
                    issueJSON(2, labels: ["ready-for-agent", "priority:2"]),
                    issueJSON(3),
                ]
            ),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.dispatched == ["acme/widgets#2"])
        #expect(run.reason(widgets, 3).contains("slot taken by #2"))
        let eventReads = uniqued(
            await world.sim.requests().filter { $0.path.hasSuffix(forge.labelEventsSuffix) }.map(\.path)
        )
        #expect(
            eventReads
                == [1, 2].map { world.trackerPath("/repos/acme/widgets/issues/\($0)" + forge.labelEventsSuffix) }
        )
    }

    @Test(arguments: Forge.allCases) func reposAreIndependentAndGetOneDispatchEach(forge: Forge) async throws {
        let world = try await World.start(
            repos: [
                repoJSON("acme/widgets", issues: [issueJSON(1), issueJSON(2)]),
                repoJSON("acme/api", issues: [issueJSON(1), issueJSON(2)]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(env: world.environment(allowlist: "acme/widgets,acme/api"))
        #expect(run.dispatched == ["acme/api#1", "acme/widgets#1"])
        let only = try await world.poller(
            ["--output", "json", "--repo", "acme/api"],
            env: world.environment(allowlist: "acme/widgets,acme/api")
        )
        #expect(only.actions.allSatisfy { $0["repo"] as? String == "acme/api" })
        let outside = try await world.poller(
            ["--repo", "acme/other"],
            env: world.environment(allowlist: "acme/widgets")
        )
        #expect(outside.code == 2)
        #expect(outside.stderr.contains("not on the allowlist"))
    }

    // MARK: Dry run

    @Test(arguments: Forge.allCases) func dryRunReadsEverythingAndWritesNothing(forge: Forge) async throws {
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                issues: [
                    issueJSON(1, labels: ["ready-for-agent", "priority:1"]), issueJSON(2, readyBy: "rita"),
                    issueJSON(3, pr: true),
                ]
            ),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(["--dry-run", "--output", "json"], env: world.environment(allowlist: widgets))
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.report?["dry_run"] as? Bool == true)
        #expect(run.dispatched == ["acme/widgets#1"])
        #expect(run.action(widgets, 1)?["dry_run"] as? Bool == true)
        #expect(forge == .github ? run.reason(widgets, 3).contains("pull request") : run.action(widgets, 3) == nil)
        let requests = await world.sim.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.method == "GET" }, "\(requests.filter { $0.method != "GET" }.map(\.path))")
        #expect(await world.sim.threads().isEmpty)

        let text = try await world.poller(["--dry-run"], env: world.environment(allowlist: widgets))
        #expect(text.stdout.contains("would dispatch"))
        #expect(text.stdout.contains("dry run"))
    }

    // MARK: Transient and credential failures

    @Test(arguments: Forge.allCases) func transientFailuresAreRetriedHonouringRetryAfter(forge: Forge) async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(service: forge.service, method: "GET", pathContains: "/issues", status: 503, times: 1)
        )
        // Gitea/Forgejo have no rate limiting of their own, but a proxy in front may send 429.
        await world.sim.inject(
            forge == .github
                ? Fault.githubSecondaryRateLimit(method: "GET", pathContains: "/permission", retryAfter: 1)
                : Fault(
                    service: forge.service,
                    method: "GET",
                    pathContains: "/permission",
                    status: 429,
                    headers: ["Retry-After": "1"]
                )
        )
        await world.sim.inject(
            Fault(service: .t3, method: "POST", pathContains: "/dispatch", status: 429, headers: ["Retry-After": "1"])
        )
        let started = Date()
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.dispatched == ["acme/widgets#1"])
        #expect(Date().timeIntervalSince(started) >= 2)  // both Retry-After waits were honoured
        #expect(await world.sim.threads().count == 1)
    }

    /// A repository that fails for its own reasons (here: it is gone) is given up; the others
    /// carry on. Search is refused here, so every repository is listed (the fallback); with
    /// search, a repository without work is not visited at all (`afk check-config` reports it).
    @Test(arguments: Forge.allCases) func aRepoThatFailsIsGivenUpWhileOthersCarryOn(forge: Forge) async throws {
        let world = try await World.start(
            repos: [
                repoJSON("acme/widgets", issues: [issueJSON(1)]),
                repoJSON("acme/api", issues: [issueJSON(2)]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        await world.sim.inject(.searchRefused(forge))
        let run = try await world.poller(env: world.environment(allowlist: "acme/gone,acme/api"))
        #expect(run.code == 1)
        #expect(run.dispatched == ["acme/api#2"])
        #expect(run.errors.contains { $0.contains("acme/gone") })
    }

    /// A service that keeps failing spends one retry budget, not one per repository: its
    /// breaker opens and the rest of the tick does not ask it again. The next tick starts afresh.
    @Test(arguments: Forge.allCases) func aFailingServiceIsGivenUpForTheRestOfTheTick(forge: Forge) async throws {
        let world = try await World.start(
            repos: [
                repoJSON("acme/widgets", issues: [issueJSON(1)]),
                repoJSON("acme/api", issues: [issueJSON(2)]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        await world.sim.inject(
            Fault(service: forge.service, pathContains: "/repos/acme/widgets/", status: 502, times: 1000)
        )
        // One repository at a time, so that the order is known: widgets fails first.
        let env = world.environment(allowlist: "acme/widgets,acme/api", ["AFK_HTTP_MAX_IN_FLIGHT": "1"])
        let run = try await world.poller(env: env)
        #expect(run.code == 1)
        #expect(run.dispatched.isEmpty)
        #expect(run.errors.contains { $0.contains(forge.serviceName) && $0.contains("gave up") })
        #expect(run.errors.contains { $0.contains("not asked again this tick") }, "\(run.errors)")
        let asked = await world.sim.requests()
            .filter { $0.service == forge.service && $0.path.contains("/repos/acme/") }
        #expect(
            asked.allSatisfy { $0.path.contains("/repos/acme/widgets") },
            "acme/api was asked after the breaker opened"
        )
        // The repository's two lists are read at once, so two requests retry side by side; once
        // one has spent its budget, nothing more is sent.
        #expect(asked.count <= 6, "two requests' retries, then nothing: \(asked.map(\.path))")
        await world.sim.clearFaults()
        #expect(try await world.poller(env: env).dispatched == ["acme/api#2", "acme/widgets#1"])
    }

    @Test(arguments: Forge.allCases) func badCredentialsAreOneClearErrorWithoutARetryStorm(forge: Forge) async throws {
        let world = try await World.start(
            repos: [
                repoJSON("acme/widgets", issues: [issueJSON(1)]), repoJSON("acme/api", issues: [issueJSON(2)]),
            ]
            .joined(separator: ","),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let run = try await world.poller(
            env: world.environment(allowlist: "acme/widgets,acme/api", ["AFK_TRACKER_TOKEN": "ghp_wrong_SECRET"])
        )
        #expect(run.code == 1)
        #expect(run.errors.count == 1)
        #expect(run.errors.first?.contains("\(forge.serviceName): rejected the token") == true)
        // The identity check and the two discovery searches go out together; none is retried.
        let sent = await world.sim.requests()
        #expect(sent.count <= 3, "\(sent.map(\.path))")
        #expect(Set(sent.map { "\($0.path)?\($0.query.sorted { $0.key < $1.key })" }).count == sent.count)
        #expect(!run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"))
    }

    @Test(arguments: Forge.allCases) func aTokenThatIsNotTheBotWritesNothing(forge: Forge) async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        let run = try await world.poller(
            env: world.environment(allowlist: widgets, ["AFK_TRACKER_BOT_LOGIN": "other-bot"])
        )
        #expect(run.code == 2)
        #expect(run.stderr.contains("acts as afk-bot, but tracker.bot_login"))
        #expect(await world.writes().isEmpty)
        #expect(await world.sim.threads().isEmpty)
    }

    @Test(arguments: Forge.allCases) func aFailedDispatchLeavesTheIssueExactlyAsItWas(forge: Forge) async throws {
        let world = try await World.start(repos: repoJSON("acme/widgets", issues: [issueJSON(1)]), forge: forge)
        defer { Task { await world.stop() } }
        await world.sim.inject(Fault(service: .t3, method: "POST", pathContains: "/dispatch", status: 503, times: 1000))
        let run = try await world.poller(env: world.environment(allowlist: widgets))
        #expect(run.code == 1)
        #expect(run.errors.contains { $0.hasPrefix("T3:") })
        #expect(await world.labels(widgets, 1) == ["ready-for-agent"])
        #expect(await world.comments(widgets, 1).isEmpty)
        #expect(await world.writes().allSatisfy { $0.service == .t3 })
    }

    // MARK: A tick killed mid-dispatch

    @Test(
        arguments: [
            ("thread.turn.start", "t3"),  // thread created, turn not started
            ("/labels", "tracker"),  // T3 done, lock not stamped
            ("/comments", "tracker"),  // lock stamped, record not written
        ],
        Forge.allCases
    )
    func theNextTickFinishesAnInterruptedDispatch(step: (killAt: String, service: String), forge: Forge) async throws {
        let killAt = step.killAt
        let service = step.service == "tracker" ? forge.service : try #require(SimService(rawValue: step.service))
        let world = try await World.start(
            repos: repoJSON(
                "acme/widgets",
                issues: [
                    issueJSON(1, labels: ["ready-for-agent", "priority:2"])
                ]
            ),
            forge: forge
        )
        defer { Task { await world.stop() } }
        let env = world.environment(allowlist: widgets)
        // The request hangs (and is never applied); the tick is killed while it waits.
        await world.sim.inject(
            Fault(
                service: service,
                method: "POST",
                pathContains: service == .t3 ? "/dispatch" : killAt,
                status: 503,
                delaySeconds: 60,
                bodyContains: service == .t3 ? killAt : nil
            )
        )
        let killed = try await world.run(
            "afk-poller",
            ["--output", "json"],
            env: env,
            killWhen: { requests in
                requests.contains { r in
                    r.method == "POST"
                        && (service == .t3 ? (r.body?.contains(killAt) == true) : r.path.hasSuffix(killAt))
                }
            }
        )
        #expect(killed.code != 0)

        // Meanwhile a more urgent issue arrives: it must not win while #1's agent runs.
        _ = await world.sim.putIssue(
            "acme",
            "widgets",
            try Scenario.decode(
                fromJSON: Data(
                    """
                    {"github": {"repos": [\(repoJSON("acme/widgets", issues: [issueJSON(9, labels: ["ready-for-agent", "priority:0"])]))]}}
                    """
                    .utf8
                )
            )
            .github.repos[0].issues[0]
        )
        await world.sim.clearFaults()
        let next = try await world.poller(env: env)
        #expect(next.code == 0, "\(next.stderr)")
        #expect(next.dispatched == ["acme/widgets#1"])
        #expect(next.reason(widgets, 1).contains("run 1"))
        #expect(await world.sim.threads().map(\.id) == ["afk-acme~widgets-i1-r1"])
        #expect(await world.labels(widgets, 1).contains("agent-in-progress"))
        let records = await world.comments(widgets, 1).filter { $0.body.contains("<!-- afk:run ") }
        #expect(records.count == 1)
        // The thread's first turn was started exactly once.
        let thread = try #require(await world.sim.threads().first)
        #expect(thread.latestTurn != nil)
        #expect(thread.messages.filter { $0.role == "user" }.count == 1)

        // And a third tick changes nothing.
        let third = try await world.poller(env: env)
        #expect(third.dispatched.isEmpty)
        #expect(await world.comments(widgets, 1).filter { $0.body.contains("<!-- afk:run ") }.count == 1)
    }
}

/// `items` without repeats, in first-seen order.
private func uniqued(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
