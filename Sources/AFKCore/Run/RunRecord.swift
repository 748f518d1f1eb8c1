import Foundation

/// The machine-readable state of one run, kept in a hidden HTML comment inside the run's
/// bot-authored comment on the issue. The tracker is afk's only store.
///
/// ```
/// <!-- afk:run {"schema":1,"run":1,"executor":"t3","thread_id":"…","dispatched_at":"…","attempts":0} -->
/// ```
public struct RunRecord: Hashable, Sendable, Codable {
    public static let currentSchema = 1
    public static let marker = "<!-- afk:run "
    static let terminator = " -->"

    public var schema: Int
    public var run: Int
    public var executor: String
    public var threadID: String
    /// RFC 3339 / ISO 8601 UTC timestamp, e.g. `2026-11-23T09:15:00Z`.
    public var dispatchedAt: String
    /// Fix-forward attempts made so far.
    public var attempts: Int
    /// False while a submission to a runtime without an idempotency key is under way: the record
    /// is written first (with the run's deterministic id as `thread_id`), then the job is
    /// submitted, then this is cleared together with the job's id. A record still false later
    /// means the tick stopped in between and nobody can tell whether the job started. Absent: true.
    public var submitted: Bool?

    // Written by the watcher; absent in a record the poller has just written.

    /// Where the run stands; nil means just dispatched.
    public var phase: RunPhase?
    /// When the run entered `phase` (ISO 8601), for the stall limit.
    public var phaseSince: String?
    /// The commit the run pushed to the default branch.
    public var pushedSHA: String?
    /// The CI verdict last seen for `pushedSHA`, in words.
    public var ci: String?
    /// Red commits a corrective turn has already been sent for: never twice for the same one.
    public var fixedSHAs: [String]?
    /// How many times the run was re-dispatched after its thread vanished.
    public var redispatches: Int?
    /// Effects decided and recorded but not yet confirmed done, in order. A tick killed after
    /// recording a transition finds them here and completes them.
    public var pending: [RunEffect]?
    /// The doorbell this run rings (or rang) for its terminal transition.
    public var doorbell: Doorbell?
    /// Failed doorbell sends so far.
    public var doorbellFailures: Int?
    /// What the watcher last observed, in words.
    public var note: String?
    /// A turn afk sent that the runtime has not started yet (``TurnWindow``).
    public var awaitingTurn: AwaitedTurn?

    // `landing: pull_request` only; absent in a run that pushes to the default branch.

    /// The run's branch (``RunBranch``); set at dispatch, it makes this a pull-request run.
    public var branch: String?
    /// The run's pull request, once afk opened (or found) it.
    public var pullRequest: Int?
    /// The pull request's web page, for the checklist and the doorbell.
    public var pullRequestURL: String?
    /// The merge commit on the default branch, once merged: what the deploy stages verify.
    public var mergedSHA: String?
    /// Heads afk asked the forge to bring up to date: never twice for the same one.
    public var updatedHeads: [String]?
    /// Reviews (by id) a corrective turn already answered: never twice for the same one.
    public var answeredReviews: [Int64]?
    /// The head a Forgejo/Gitea "not mergeable" was first seen on: the second sighting is a conflict.
    public var notMergeableHead: String?
    /// What the last corrective turn was for: a red build (absent), a conflict, or a review.
    public var correction: Correction?
    /// The review a `review` correction answers, quoted (trimmed).
    public var reviewQuote: String?
    /// Whether the "review wanted" doorbell already rang for this run.
    public var reviewRung: Bool?
    /// What stopping the agent came to when the run ended without it (escalated, frozen,
    /// stalled, `/afk stop`): `stopped`, or why the runtime cannot stop it.
    public var agentStop: String?
    /// Comment ids of `/afk` commands on the issue already acted on (or refused): never twice.
    public var handledCommands: [Int64]?

    enum CodingKeys: String, CodingKey {
        case schema, run, executor, attempts, phase, ci, redispatches, pending, doorbell, note, submitted
        case threadID = "thread_id"
        case dispatchedAt = "dispatched_at"
        case phaseSince = "phase_since"
        case pushedSHA = "pushed_sha"
        case fixedSHAs = "fixed_shas"
        case doorbellFailures = "doorbell_failures"
        case awaitingTurn = "awaiting_turn"
        case branch, correction
        case pullRequest = "pull_request"
        case pullRequestURL = "pull_request_url"
        case mergedSHA = "merged_sha"
        case updatedHeads = "updated_heads"
        case answeredReviews = "answered_reviews"
        case notMergeableHead = "not_mergeable_head"
        case reviewQuote = "review_quote"
        case reviewRung = "review_rung"
        case agentStop = "agent_stop"
        case handledCommands = "handled_commands"
    }

    /// What a corrective turn asks for.
    public enum Correction: String, Hashable, Sendable, Codable {
        /// Fix the red build of `pushed_sha` (the default).
        case build
        /// Bring the branch up to date with the default branch and resolve the conflicts.
        case conflict
        /// Address the changes a reviewer requested (`review_quote`).
        case review
    }

    /// Whether the run lands through a pull request.
    public var landsThroughPullRequest: Bool { branch != nil }

    public init(run: Int, executor: String, threadID: String, dispatchedAt: String, attempts: Int = 0) {
        self.schema = Self.currentSchema
        self.run = run
        self.executor = executor
        self.threadID = threadID
        self.dispatchedAt = dispatchedAt
        self.attempts = attempts
    }

    /// The hidden HTML comment carrying this record.
    public func encodedMarker() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and ints cannot fail.
        let json = (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        // `--` may not appear inside an HTML comment; escape it so the comment stays closed.
        return Self.marker + json.replacingOccurrences(of: "--", with: "-\\u002d") + Self.terminator
    }

    public enum ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        case unterminated
        case invalidJSON(String)
        case unsupportedSchema(Int)
        case invalidField(String)

        public var description: String {
            switch self {
            case .unterminated: "the afk:run marker is not closed with -->"
            case .invalidJSON(let detail): "the afk:run marker does not hold valid run JSON (\(detail))"
            case .unsupportedSchema(let v):
                "the afk:run marker has schema \(v); this afk reads schema \(RunRecord.currentSchema)"
            case .invalidField(let f): "the afk:run marker has an invalid \(f)"
            }
        }
    }

    /// Finds and decodes the record in a comment body. Returns nil when the body carries no
    /// marker at all; a marker that cannot be read is an error, never silently ignored.
    public static func parse(commentBody body: String) -> Result<RunRecord, ParseError>? {
        guard let start = body.range(of: marker) else { return nil }
        guard let end = body.range(of: "-->", range: start.upperBound..<body.endIndex) else {
            return .failure(.unterminated)
        }
        let json = body[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespaces)
        let record: RunRecord
        do {
            record = try JSONDecoder().decode(RunRecord.self, from: Data(json.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            return .failure(.invalidJSON("missing \(key.stringValue)"))
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            return .failure(
                .invalidJSON("unknown value at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
            )
        } catch let DecodingError.typeMismatch(_, context) {
            return .failure(
                .invalidJSON("wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
            )
        } catch {
            return .failure(.invalidJSON("not JSON"))
        }
        guard record.schema == currentSchema else { return .failure(.unsupportedSchema(record.schema)) }
        guard record.run > 0 else { return .failure(.invalidField("run")) }
        guard record.attempts >= 0 else { return .failure(.invalidField("attempts")) }
        guard !record.threadID.isEmpty else { return .failure(.invalidField("thread_id")) }
        return .success(record)
    }
}

/// Where a run stands, as recorded.
public enum RunPhase: String, Hashable, Sendable, Codable {
    case dispatched, working, pushed, fixing
    /// A pull request waits for an approving review.
    case review
    /// The pull request is merged; the deploy stages are verified on the merge commit.
    case merged
    case done, frozen, escalated
    /// The submission to a runtime without an idempotency key was refused: no agent started,
    /// the lock was taken back, and the issue stays ready for the next tick.
    case notStarted = "not_started"

    /// A terminal phase ends the run: the issue is closed, handed to a human, or never started.
    public var isTerminal: Bool { self == .done || self == .frozen || self == .escalated || self == .notStarted }
}

/// One effect of a recorded transition, done after the record is written.
public enum RunEffect: String, Hashable, Sendable, Codable {
    /// Send the corrective turn numbered `attempts + 1` for `pushed_sha`.
    case correctiveTurn = "corrective_turn"
    /// Start the run again on a fresh thread (generation `redispatches`).
    case redispatch
    /// Close the issue as completed.
    case close
    /// Remove `in_progress_label`.
    case unlock
    /// Add `human_label`.
    case handToHuman = "hand_to_human"
    /// Post the short audit comment for this transition.
    case audit
    /// Ring the ntfy doorbell.
    case ringNtfy = "ring_ntfy"
    /// Ring the Slack doorbell.
    case ringSlack = "ring_slack"
    /// Open the run's pull request (or find the one already open for its branch).
    case openPullRequest = "open_pr"
    /// Ask the forge to merge the default branch into the run's branch.
    case updateBranch = "update_branch"
    /// Merge the pull request, guarded by the head afk verified (`pushed_sha`).
    case merge
    /// Delete the run's branch after the merge.
    case deleteBranch = "delete_branch"
    /// Stop the agent at its runtime (interrupt the turn, stop the session), so that a run afk
    /// gave up on spends nothing more.
    case stopAgent = "stop_agent"
}

/// The doorbell kinds.
public enum Doorbell: String, Hashable, Sendable, Codable {
    case done
    case frozen
    case needsHuman = "needs-human"
    /// A pull request waits for a reviewer (rings once per run).
    case reviewWanted = "review-wanted"
}

/// The run records found among an issue's comments, read only from the bot's own comments.
public struct RunHistory: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public let commentID: Int64
        public let record: RunRecord
    }

    public struct Malformed: Hashable, Sendable {
        public let commentID: Int64
        public let error: RunRecord.ParseError
    }

    public let entries: [Entry]
    public let malformed: [Malformed]

    /// Reads every comment authored by `botLogin` (compared case-insensitively); state-looking
    /// text from anyone else is ignored.
    public init(comments: [TrackerComment], botLogin: String) {
        var entries: [Entry] = []
        var malformed: [Malformed] = []
        for comment in comments where comment.author.caseInsensitiveCompare(botLogin) == .orderedSame {
            switch RunRecord.parse(commentBody: comment.body) {
            case .success(let record)?: entries.append(Entry(commentID: comment.id, record: record))
            case .failure(let error)?: malformed.append(Malformed(commentID: comment.id, error: error))
            case nil: continue
            }
        }
        self.entries = entries
        self.malformed = malformed
    }

    /// The record of the highest run number.
    public var latest: Entry? { entries.max { $0.record.run < $1.record.run } }

    /// The number the next run of this issue takes.
    public var nextRun: Int { (latest?.record.run ?? 0) + 1 }

    public func entry(forRun run: Int) -> Entry? { entries.first { $0.record.run == run } }

    /// Whether `comment` (already known to be the bot's) carries the record of run `run`: how
    /// a run comment whose creation had an unknown outcome is found again.
    public static func isRecord(ofRun run: Int, _ comment: TrackerComment) -> Bool {
        guard case .success(let record)? = RunRecord.parse(commentBody: comment.body) else { return false }
        return record.run == run
    }
}
