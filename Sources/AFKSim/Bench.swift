import AFKSimulator
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `afk-sim bench`: one poller tick and one watcher tick of the built binaries against a simulated fleet, measured.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure one afk-poller tick and one afk-watcher tick against a simulated fleet of repositories.",
        discussion: """
            Builds acme/r001…: every repository is allowlisted, --busy of them get --ready-per-repo issues that an \
            admin labels ready-for-agent. With --running W, W more ready issues are dispatched first by an \
            unmeasured poller tick, so that the watcher has those runs too (T3's agents keep every turn running). \
            Every service answers after --latency-ms. Prints per tick: exit code, wall time, CPU time and peak \
            memory of the tick process (max RSS), requests per service, the most requests one service had in flight at once, \
            and the report's summary.
            """
    )

    @Option(help: "Repositories in the allowlist.")
    var repos = 200

    @Option(help: "Repositories with ready issues.")
    var busy = 5

    @Option(help: "Ready issues per busy repository.")
    var readyPerRepo = 1

    @Option(help: "Runs already in flight before the measured ticks (dispatched by an unmeasured poller tick).")
    var running = 0

    @Option(help: "Milliseconds every simulated service takes to answer.")
    var latencyMs = 50

    @Option(help: "Tracker API afk speaks: github or forgejo.")
    var tracker = "github"

    @Option(help: "Requests afk may have in flight per service (AFK_HTTP_MAX_IN_FLIGHT), passed when afk knows it.")
    var concurrency = 8

    @Option(help: "text or json.")
    var output = "text"

    @Option(
        help: ArgumentHelp("Directory holding afk-poller and afk-watcher (default: next to afk-sim).", valueName: "dir")
    )
    var binDir: String?

    func validate() throws {
        guard ["github", "forgejo"].contains(tracker) else { throw ValidationError("--tracker is github or forgejo.") }
        guard ["text", "json"].contains(output) else { throw ValidationError("--output is text or json.") }
        guard repos >= 1, busy >= 0, readyPerRepo >= 1, running >= 0, latencyMs >= 0, concurrency >= 1 else {
            throw ValidationError("--repos, --ready-per-repo and --concurrency are at least 1; the others at least 0.")
        }
    }

    func run() async throws {
        let bin = try Demo.locateBinaries(binDir)
        let forgejo = tracker == "forgejo"
        let fleet = SimFleet(repos: repos, busy: busy, readyPerRepo: readyPerRepo, running: running, forgejo: forgejo)
        let simulator = Simulator(scenario: fleet.scenario)
        try await simulator.start()
        let concurrencyKnown = BenchProcess.knowsKey(
            "http.max_in_flight",
            operatorBinary: bin.appendingPathComponent("afk")
        )
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": NSTemporaryDirectory(),
            "AFK_KILL_SWITCH": "false",
            "AFK_ALLOWLIST": fleet.repoNames.joined(separator: ","),
            "AFK_TRACKER_KIND": tracker,
            "AFK_TRACKER_URL": forgejo
                ? await simulator.forgejoURL.absoluteString : await simulator.githubURL.absoluteString,
            "AFK_TRACKER_TOKEN": SimFleet.botToken,
            "AFK_TRACKER_BOT_LOGIN": SimFleet.botLogin,
            "AFK_EXECUTOR_URL": await simulator.t3URL.absoluteString,
            "AFK_EXECUTOR_TOKEN": SimFleet.t3Token,
            "AFK_EXECUTOR_WORKSPACE_ROOT": SimFleet.workspaceRoot,
            "AFK_HTTP_TIMEOUT_SECONDS": "30",
            "AFK_HTTP_RETRY_BUDGET_SECONDS": "10",
        ]
        if concurrencyKnown { env["AFK_HTTP_MAX_IN_FLIGHT"] = String(concurrency) }

        var warmUp: BenchTick?
        if running > 0 {
            warmUp = try await measure("warm-up", bin.appendingPathComponent("afk-poller"), env, simulator)
        }
        await fleet.labelBusy(on: simulator)
        simulator.setLatency(nil, milliseconds: latencyMs)
        let poll = try await measure("poller", bin.appendingPathComponent("afk-poller"), env, simulator)
        let watch = try await measure("watcher", bin.appendingPathComponent("afk-watcher"), env, simulator)
        await simulator.stop()

        let result = BenchResult(
            repos: repos,
            busy: busy,
            readyPerRepo: readyPerRepo,
            running: running,
            latencyMs: latencyMs,
            tracker: tracker,
            concurrency: concurrency,
            concurrencyPassed: concurrencyKnown,
            warmUp: warmUp,
            ticks: [poll, watch]
        )
        print(output == "json" ? result.json : result.table)
    }

    /// Runs one tick program with a fresh request log and in-flight peak, and measures it.
    private func measure(_ name: String, _ program: URL, _ env: [String: String], _ simulator: Simulator) async throws
        -> BenchTick
    {
        await simulator.clearRequests()
        simulator.resetMaxInFlight()
        let run = try await BenchProcess.run(program, arguments: ["--output", "json"], environment: env)
        let log = await simulator.requests()
        var requests: [String: Int] = [:]
        for request in log { requests[request.service.rawValue, default: 0] += 1 }
        var peaks: [String: Int] = [:]
        for service in SimService.allCases where requests[service.rawValue] != nil {
            peaks[service.rawValue] = simulator.maxInFlight(service)
        }
        return BenchTick(
            tick: name,
            exitCode: run.exitCode,
            wallSeconds: run.wallSeconds,
            cpuSeconds: run.cpuSeconds,
            maxRSSKiB: run.maxRSSKiB,
            requests: requests,
            maxInFlight: peaks,
            summary: BenchTick.summary(report: run.standardOutput, stderr: run.standardError, exitCode: run.exitCode)
        )
    }
}

/// What one measured tick did.
struct BenchTick: Sendable, Codable {
    var tick: String
    var exitCode: Int32
    var wallSeconds: Double
    /// CPU time of the tick process, user and system (`ru_utime + ru_stime`).
    var cpuSeconds: Double
    /// Peak resident memory of the tick process (`ru_maxrss`), KiB.
    var maxRSSKiB: Int
    /// Requests the simulator received per service.
    var requests: [String: Int]
    /// The most requests one service had in flight at once.
    var maxInFlight: [String: Int]
    /// The report in one line: actions by kind and errors.
    var summary: String

    enum CodingKeys: String, CodingKey {
        case tick, summary, requests
        case exitCode = "exit_code"
        case wallSeconds = "wall_seconds"
        case cpuSeconds = "cpu_seconds"
        case maxRSSKiB = "max_rss_kib"
        case maxInFlight = "max_in_flight"
    }

    /// `5 action(s): dispatch 5; 0 error(s)` from a `--output json` report, or why there is none.
    static func summary(report: Data, stderr: Data, exitCode: Int32) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: report) as? [String: Any] else {
            let last =
                String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no output"
            return "no report (exit \(exitCode)): \(last)"
        }
        if let disabled = object["disabled"] as? String { return "disabled: \(disabled)" }
        let actions = object["actions"] as? [[String: Any]] ?? []
        let errors = object["errors"] as? [[String: Any]] ?? []
        var kinds: [String: Int] = [:]
        for action in actions { kinds[action["action"] as? String ?? "?", default: 0] += 1 }
        let parts = kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        let first = errors.first.flatMap { $0["message"] as? String }.map { " (first: \($0))" } ?? ""
        return "\(actions.count) action(s)\(parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))"
            + "; \(errors.count) error(s)\(first)"
    }
}

/// The bench's settings and ticks, as a table or as JSON.
struct BenchResult: Sendable, Codable {
    var repos: Int
    var busy: Int
    var readyPerRepo: Int
    var running: Int
    var latencyMs: Int
    var tracker: String
    var concurrency: Int
    /// Whether `AFK_HTTP_MAX_IN_FLIGHT` was passed (the binaries know `http.max_in_flight`).
    var concurrencyPassed: Bool
    var warmUp: BenchTick?
    var ticks: [BenchTick]

    enum CodingKeys: String, CodingKey {
        case repos, busy, running, tracker, concurrency, ticks
        case readyPerRepo = "ready_per_repo"
        case latencyMs = "latency_ms"
        case concurrencyPassed = "concurrency_passed"
        case warmUp = "warm_up"
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    var table: String {
        var lines = [
            "afk-sim bench: \(repos) repos, \(busy) busy × \(readyPerRepo) ready, \(running) running, "
                + "latency \(latencyMs) ms, tracker \(tracker), concurrency \(concurrency)"
                + (concurrencyPassed ? "" : " (not passed: these binaries do not know http.max_in_flight)")
        ]
        if let warmUp {
            lines.append(
                "warm-up poller: exit \(warmUp.exitCode), \(Self.seconds(warmUp.wallSeconds)) s, \(warmUp.summary)"
            )
        }
        let services = SimService.allCases.map(\.rawValue)
            .filter { name in ticks.contains { $0.requests[name] != nil } }
        var rows: [(String, [String])] = [
            ("exit code", ticks.map { String($0.exitCode) }),
            ("wall time (s)", ticks.map { Self.seconds($0.wallSeconds) }),
            ("CPU time (s)", ticks.map { Self.seconds($0.cpuSeconds) }),
            ("max RSS (MiB)", ticks.map { String(format: "%.1f", Double($0.maxRSSKiB) / 1024) }),
            ("requests", ticks.map { String($0.requests.values.reduce(0, +)) }),
        ]
        for name in services { rows.append(("  \(name)", ticks.map { String($0.requests[name] ?? 0) })) }
        rows.append(("max in flight", ticks.map { _ in "" }))
        for name in services { rows.append(("  \(name)", ticks.map { String($0.maxInFlight[name] ?? 0) })) }
        let labelWidth = max(16, rows.map(\.0.count).max() ?? 0)
        let columnWidth = 12
        lines.append(
            "".padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                + ticks.map { "  " + $0.tick.padding(toLength: columnWidth, withPad: " ", startingAt: 0) }.joined()
        )
        for (label, values) in rows {
            lines.append(
                label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                    + values.map { "  " + $0.padding(toLength: columnWidth, withPad: " ", startingAt: 0) }.joined()
            )
        }
        for tick in ticks { lines.append("\(tick.tick): \(tick.summary)") }
        return lines.joined(separator: "\n")
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
}

/// A child process run with `posix_spawn` and reaped with `wait4`, which reports that child's own resource
/// usage (its peak RSS), polled without blocking a cooperative thread (the simulator serves in this process).
enum BenchProcess {
    struct Run: Sendable {
        var exitCode: Int32
        var wallSeconds: Double
        var cpuSeconds: Double
        var maxRSSKiB: Int
        var standardOutput: Data
        var standardError: Data
    }

    struct SpawnFailed: Error, CustomStringConvertible {
        var program: String
        var code: Int32
        var description: String { "cannot start \(program): \(String(cString: strerror(code)))" }
    }

    static func run(_ program: URL, arguments: [String], environment: [String: String]) async throws -> Run {
        let directory = FileManager.default.temporaryDirectory
        let stdoutPath = directory.appendingPathComponent("afk-bench-\(UUID().uuidString).out").path
        let stderrPath = directory.appendingPathComponent("afk-bench-\(UUID().uuidString).err").path
        defer {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([program.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let started = Date()
        let code = posix_spawn(&pid, program.path, &actions, nil, argv, envp)
        guard code == 0 else { throw SpawnFailed(program: program.path, code: code) }
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped == -1 && errno != EINTR { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let wall = Date().timeIntervalSince(started)
        let signal = status & 0x7f
        let exitCode = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        #if canImport(Darwin)
        let rss = Int(usage.ru_maxrss) / 1024  // bytes on Darwin
        #else
        let rss = Int(usage.ru_maxrss)  // KiB on Linux
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return Run(
            exitCode: exitCode,
            wallSeconds: wall,
            cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            maxRSSKiB: rss,
            standardOutput: FileManager.default.contents(atPath: stdoutPath) ?? Data(),
            standardError: FileManager.default.contents(atPath: stderrPath) ?? Data()
        )
    }

    /// Whether `afk config table` (the operator binary next to the ticks) lists `key`; false without it.
    static func knowsKey(_ key: String, operatorBinary: URL) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: operatorBinary.path) else { return false }
        let process = Process()
        process.executableURL = operatorBinary
        process.arguments = ["config", "table"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).contains(key)
    }
}
