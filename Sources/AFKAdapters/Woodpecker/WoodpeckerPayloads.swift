import Foundation

/// The parts of Woodpecker's API payloads afk reads (swagger definitions `Repo` and `Pipeline`,
/// https://woodpecker-ci.org/api). Everything else is ignored, so newer servers with more
/// fields decode unchanged.
enum Woodpecker {
    /// `GET /api/repos/lookup/{repo_full_name}` → `Repo`. Only `id` is needed: every other repo route
    /// takes the numeric id.
    struct Repo: Decodable {
        let id: Int64
        let fullName: String?
        let defaultBranch: String?

        enum CodingKeys: String, CodingKey {
            case id
            case fullName = "full_name"
            case defaultBranch = "default_branch"
        }
    }

    /// One item of `GET /api/repos/{repo_id}/pipelines` (ordered by `number` DESC).
    struct Pipeline: Decodable {
        let number: Int64
        /// The commit SHA the pipeline ran on (the full 40 hex digits for forge events).
        let commit: String
        /// A `StatusValue`: skipped, pending, running, success, failure, killed, canceled, error,
        /// blocked, declined, created.
        let status: String
        /// A `WebhookEvent`: push, pull_request, tag, release, deployment, cron, manual, …
        let event: String
        let branch: String

        enum CodingKeys: String, CodingKey { case number, commit, status, event, branch }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            number = try c.decode(Int64.self, forKey: .number)
            status = try c.decode(String.self, forKey: .status)
            // Woodpecker's Go structs always emit these, but as empty strings when unset.
            commit = try c.decodeIfPresent(String.self, forKey: .commit) ?? ""
            event = try c.decodeIfPresent(String.self, forKey: .event) ?? ""
            branch = try c.decodeIfPresent(String.self, forKey: .branch) ?? ""
        }
    }
}
