import Foundation

/// A command in a comment: a line `/afk retry`, `/afk stop`, `/afk explain`, `/afk pause` or
/// `/afk resume` (the first such line counts). Only people whose repository permission is write or
/// higher are obeyed (``TrustGate``); a command is acted on once, by its comment id.
public enum AFKCommand: String, Hashable, Sendable, CaseIterable {
    case retry, stop, explain, pause, resume

    /// The command in a comment body, if it has one.
    public static func parse(_ body: String) -> AFKCommand? {
        for line in body.split(whereSeparator: \.isNewline) {
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, words[0].lowercased() == "/afk" else { continue }
            return AFKCommand(rawValue: words[1].lowercased())
        }
        return nil
    }

    /// Where the command applies: on a run's issue, or on the repository's dashboard.
    public var onDashboard: Bool { self == .pause || self == .resume }
}

/// One `/afk` command found among an issue's comments, not yet acted on.
public struct PendingCommand: Hashable, Sendable {
    public let commentID: Int64
    public let author: String
    public let command: AFKCommand

    public init(commentID: Int64, author: String, command: AFKCommand) {
        self.commentID = commentID
        self.author = author
        self.command = command
    }

    /// The commands in `comments` (oldest first) that `handled` does not list, skipping afk's own.
    public static func find(in comments: [TrackerComment], handled: Set<Int64>, botLogin: String) -> [PendingCommand] {
        comments.compactMap { comment in
            guard !handled.contains(comment.id), comment.author.caseInsensitiveCompare(botLogin) != .orderedSame,
                let command = AFKCommand.parse(comment.body)
            else { return nil }
            return PendingCommand(commentID: comment.id, author: comment.author, command: command)
        }
    }
}
