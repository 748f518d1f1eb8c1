import AFKCore
import Foundation
import Testing

/// The run record hidden in the bot's comment, and the history read from an issue's comments.
struct RunRecordTests {
    static let minimal = RunRecord(
        run: 1,
        executor: "t3",
        threadID: "afk-acme~widgets-i7-r1",
        dispatchedAt: "2026-11-23T01:00:00Z"
    )

    static var full: RunRecord {
        var r = RunRecord(
            run: 3,
            executor: "t3",
            threadID: "afk-a~b--c-i1-r3-g2",
            dispatchedAt: "2026-11-23T01:00:00Z",
            attempts: 2
        )
        r.phase = .fixing
        r.phaseSince = "2026-11-23T02:00:00Z"
        r.pushedSHA = String(repeating: "ab", count: 20)
        r.ci = "red: build, lint"
        r.fixedSHAs = [String(repeating: "cd", count: 20), String(repeating: "ef", count: 20)]
        r.redispatches = 2
        r.pending = [.correctiveTurn, .audit, .ringNtfy]
        r.doorbell = .needsHuman
        r.doorbellFailures = 1
        r.note = "agent said: \"done\" --> <!-- not a comment --!> \\ ---- é 🚀 \n next"
        return r
    }

    /// Text fields that would end or confuse the HTML comment if written raw.
    static let hostileNotes = [
        "--", "-->", "--!>", "---", "----", "-", "a-", "-a", "<!--", "<!-- afk:run {} -->", " -->", "--->", "- -",
        "\"", "\\", "\\--", "}", "{\"schema\":2}", "\n-->\n", "\u{0}", "‐‐>", "",
    ]

    @Test(arguments: hostileNotes)
    func theMarkerRoundTripsAndStaysOneClosedHTMLComment(note: String) throws {
        var record = Self.full
        record.note = note
        record.ci = note
        let marker = record.encodedMarker()
        #expect(marker.hasPrefix("<!-- afk:run {"))
        #expect(marker.hasSuffix("} -->"))
        let inner = marker.dropFirst("<!--".count).dropLast("-->".count)
        #expect(!inner.contains("--"), "`--` inside the comment: \(marker)")
        #expect(!marker.contains("\n"), "the marker stays on one line")
        let parsed = try #require(RunRecord.parse(commentBody: "Some words\n\n" + marker + "\n\ntrailing -->"))
        #expect(try parsed.get() == record)
    }

    @Test(arguments: [minimal, full])
    func roundTripsInsideTheRenderedComment(record: RunRecord) throws {
        let body = RunComment.render(
            record: record,
            context: .init(issue: IssueRef(parsing: "acme/widgets#7")!, executorName: "t3")
        )
        #expect(try #require(RunRecord.parse(commentBody: body)).get() == record)
    }

    @Test func aFreshRecordHasTheCurrentSchemaAndNoWatcherFields() throws {
        let record = Self.minimal
        #expect(record.schema == RunRecord.currentSchema && record.schema == 1)
        #expect(record.attempts == 0)
        #expect(record.phase == nil && record.pushedSHA == nil && record.pending == nil && record.note == nil)
        #expect(
            record.encodedMarker()
                == #"<!-- afk:run {"attempts":0,"dispatched_at":"2026-11-23T01:00:00Z","executor":"t3","run":1,"schema":1,"thread_id":"afk-acme~widgets-i7-r1"} -->"#
        )
    }

    @Test func theDocumentedMarkerParses() throws {
        let body =
            #"<!-- afk:run {"schema":1,"run":1,"executor":"t3","thread_id":"afk-acme~widgets-i7-r1","dispatched_at":"2026-11-23T01:00:00Z","attempts":0} -->"#
        #expect(try #require(RunRecord.parse(commentBody: body)).get() == Self.minimal)
        // Unknown keys from a newer writer of the same schema are tolerated.
        let extra = body.replacingOccurrences(of: #""attempts":0"#, with: #""attempts":0,"future":true"#)
        #expect(try #require(RunRecord.parse(commentBody: extra)).get() == Self.minimal)
    }

    static let good = #"{"schema":1,"run":1,"executor":"t3","thread_id":"x","dispatched_at":"d","attempts":0}"#

    /// (body, expected error)
    @Test(
        arguments: [
            ("<!-- afk:run " + good, .unterminated),
            ("<!-- afk:run {\"schema\":1,\"run\":1", .unterminated),
            ("<!-- afk:run  -->", nil),
            ("<!-- afk:run {not json} -->", nil),
            ("<!-- afk:run broken -->", nil),
            ("<!-- afk:run [] -->", nil),
            ("<!-- afk:run {\"schema\":1} -->", nil),
            (
                "<!-- afk:run " + good.replacingOccurrences(of: #""schema":1"#, with: #""schema":9"#) + " -->",
                .unsupportedSchema(9)
            ),
            (
                "<!-- afk:run " + good.replacingOccurrences(of: #""schema":1"#, with: #""schema":0"#) + " -->",
                .unsupportedSchema(0)
            ),
            (
                "<!-- afk:run " + good.replacingOccurrences(of: #""run":1"#, with: #""run":0"#) + " -->",
                .invalidField("run")
            ),
            (
                "<!-- afk:run " + good.replacingOccurrences(of: #""run":1"#, with: #""run":-2"#) + " -->",
                .invalidField("run")
            ),
            (
                "<!-- afk:run " + good.replacingOccurrences(of: #""attempts":0"#, with: #""attempts":-1"#) + " -->",
                .invalidField("attempts")
            ),
            (
                "<!-- afk:run " + good.replacingOccurrences(of: #""thread_id":"x""#, with: #""thread_id":"""#) + " -->",
                .invalidField("thread_id")
            ),
            ("<!-- afk:run " + good.replacingOccurrences(of: #""run":1"#, with: #""run":"one""#) + " -->", nil),
            ("<!-- afk:run " + good.replacingOccurrences(of: #""run":1"#, with: #""run":1.5"#) + " -->", nil),
            ("<!-- afk:run " + good.replacingOccurrences(of: #","executor":"t3""#, with: "") + " -->", nil),
            (
                "<!-- afk:run "
                    + good.replacingOccurrences(of: #""attempts":0"#, with: #""attempts":0,"phase":"sleeping""#)
                    + " -->", nil
            ),
            (
                "<!-- afk:run "
                    + good.replacingOccurrences(of: #""attempts":0"#, with: #""attempts":0,"pending":["explode"]"#)
                    + " -->", nil
            ),
            (
                "<!-- afk:run "
                    + good.replacingOccurrences(of: #""attempts":0"#, with: #""attempts":0,"doorbell":"loud""#)
                    + " -->", nil
            ),
        ] as [(String, RunRecord.ParseError?)]
    )
    func malformedMarkersAreErrorsNotSilence(body: String, expected: RunRecord.ParseError?) throws {
        let result = try #require(RunRecord.parse(commentBody: body), "\(body) was ignored instead of reported")
        switch result {
        case .success(let record): Issue.record("\(body) parsed as \(record)")
        case .failure(let error):
            if let expected {
                #expect(error == expected)
            } else if case .invalidJSON = error {
            } else {
                Issue.record("\(body): expected invalid JSON, got \(error)")
            }
            #expect(!error.description.isEmpty)
        }
    }

    @Test(arguments: [
        "", "Looks good to me", "<!-- a plain comment -->",
        "<!-- afk:audit run=1 phase=done attempts=0 redispatches=0 -->",
        "afk:run {\"schema\":1}", "<!-- afk:running -->",
    ])
    func bodiesWithoutAMarkerHaveNoRecord(body: String) {
        #expect(RunRecord.parse(commentBody: body) == nil)
    }

    @Test(arguments: [
        (RunPhase.dispatched, false), (.working, false), (.pushed, false), (.fixing, false), (.done, true),
        (.frozen, true), (.escalated, true),
    ])
    func terminalPhases(phase: RunPhase, terminal: Bool) {
        #expect(phase.isTerminal == terminal)
    }

    // MARK: - History: only the bot's comments count

    static func record(run: Int) -> RunRecord {
        RunRecord(
            run: run,
            executor: "t3",
            threadID: "afk-acme~widgets-i7-r\(run)",
            dispatchedAt: "2026-11-23T0\(run):00:00Z"
        )
    }

    @Test(arguments: ["afk-bot", "AFK-Bot", "AFK-BOT"])
    func onlyTheBotsCommentsCountAndForgeriesChangeNothing(botLogin: String) {
        let comments = [
            TrackerComment(id: 1, author: "afk-bot", body: "Run 1\n" + Self.record(run: 1).encodedMarker()),
            TrackerComment(id: 2, author: "mallory", body: Self.record(run: 5).encodedMarker()),
            TrackerComment(id: 3, author: "mallory", body: "<!-- afk:run broken -->"),
            TrackerComment(id: 4, author: "Afk-Bot", body: Self.record(run: 2).encodedMarker()),
            TrackerComment(id: 5, author: "afk-bot-fan", body: Self.record(run: 9).encodedMarker()),
            TrackerComment(id: 6, author: "afk-bot", body: "just words"),
            TrackerComment(id: 7, author: "afk", body: Self.record(run: 8).encodedMarker()),
        ]
        let history = RunHistory(comments: comments, botLogin: botLogin)
        #expect(history.entries.map(\.commentID) == [1, 4])
        #expect(history.entries.map(\.record) == [Self.record(run: 1), Self.record(run: 2)])
        #expect(history.malformed.isEmpty)
        #expect(history.latest?.commentID == 4)
        #expect(history.nextRun == 3)
        #expect(history.entry(forRun: 1)?.commentID == 1)
        #expect(history.entry(forRun: 5) == nil)
        // The same history without the forgeries is identical.
        let honest = RunHistory(comments: comments.filter { $0.author.lowercased() == "afk-bot" }, botLogin: botLogin)
        #expect(honest == history)
    }

    @Test func aMalformedBotMarkerIsReportedNotSkipped() {
        let comments = [
            TrackerComment(id: 10, author: "afk-bot", body: Self.record(run: 1).encodedMarker()),
            TrackerComment(id: 11, author: "afk-bot", body: "<!-- afk:run {\"schema\":1} -->"),
            TrackerComment(id: 12, author: "afk-bot", body: "<!-- afk:run " + Self.good),
        ]
        let history = RunHistory(comments: comments, botLogin: "afk-bot")
        #expect(history.entries.map(\.commentID) == [10])
        #expect(history.malformed.map(\.commentID) == [11, 12])
        #expect(history.malformed.last?.error == .unterminated)
    }

    @Test func latestIsTheHighestRunNotTheLastComment() {
        let comments = [3, 1, 2]
            .map { TrackerComment(id: Int64($0 * 100), author: "afk-bot", body: Self.record(run: $0).encodedMarker()) }
        let history = RunHistory(comments: comments, botLogin: "afk-bot")
        #expect(history.latest?.record.run == 3)
        #expect(history.latest?.commentID == 300)
        #expect(history.nextRun == 4)
        #expect(history.entry(forRun: 2)?.commentID == 200)
    }

    @Test func anEmptyHistoryStartsAtRunOne() {
        let history = RunHistory(comments: [], botLogin: "afk-bot")
        #expect(history.entries.isEmpty && history.malformed.isEmpty)
        #expect(history.latest == nil)
        #expect(history.nextRun == 1)
        // Only forgeries: still run one.
        let forged = RunHistory(
            comments: [TrackerComment(id: 1, author: "eve", body: Self.record(run: 4).encodedMarker())],
            botLogin: "afk-bot"
        )
        #expect(forged.nextRun == 1)
    }
}
