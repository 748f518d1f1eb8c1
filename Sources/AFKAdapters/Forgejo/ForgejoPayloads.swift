import Foundation

/// The parts of Gitea/Forgejo API v1 payloads afk reads (swagger definitions of the same names in
/// https://codeberg.org/api/swagger and https://docs.gitea.com/api/1.22/). The swagger marks
/// almost nothing as required, so everything afk can live
/// without is optional; what it cannot (an issue's number, a label's id) is not, and a payload
/// without it is reported as malformed rather than guessed at.
enum Forgejo {
    /// `User`. Deleted accounts come back as the "Ghost" user with id -1 rather than null.
    struct User: Decodable {
        let id: Int64?
        let login: String

        /// The login, or nil for the ghost that stands in for a deleted account.
        var attributableLogin: String? { id == -1 || login.isEmpty ? nil : login }
    }

    /// `Label`. Repository labels and organization labels share this shape.
    struct Label: Decodable {
        let id: Int64
        let name: String
    }

    /// `Label` as embedded in issues and timeline entries: afk only needs the name.
    struct LabelName: Decodable {
        let name: String
    }

    /// `RepositoryMeta`, embedded in every `Issue` (`owner` is the owner's login).
    struct RepositoryMeta: Decodable {
        let owner: String?
        let name: String?
        let fullName: String?

        enum CodingKeys: String, CodingKey {
            case owner, name
            case fullName = "full_name"
        }
    }

    /// `PullRequestMeta`: present (non-null) only on pull requests.
    struct PullRequestMeta: Decodable {}

    /// `Issue`. There is no `state_reason` and no `author_association` (swagger definition `Issue`).
    struct Issue: Decodable {
        let number: Int
        let title: String
        let body: String?
        let state: String
        /// Entries without a name are left out (every label field is optional in the swagger).
        let labels: LenientList<LabelName>?
        let pullRequest: PullRequestMeta?
        let htmlURL: String?
        let repository: RepositoryMeta?
        /// Read leniently: a count afk cannot read is a count it does not know (and reads the list).
        let comments: Lenient<Int>?

        enum CodingKeys: String, CodingKey {
            case number, title, body, state, labels, repository, comments
            case pullRequest = "pull_request"
            case htmlURL = "html_url"
        }
    }

    /// `TimelineComment`. A label change has `type == "label"`, the `label`, and `body` "1"
    /// (added) or "" (removed).
    struct TimelineComment: Decodable {
        let type: String?
        let body: String?
        let user: User?
        let label: LabelName?
    }

    /// `Comment`.
    struct Comment: Decodable {
        let id: Int64
        let body: String?
        let user: User?
        let htmlURL: String?

        enum CodingKeys: String, CodingKey {
            case id, body, user
            case htmlURL = "html_url"
        }
    }

    /// `RepoCollaboratorPermission`: `permission` is none|read|write|admin|owner and
    /// `role_name` the same string.
    struct CollaboratorPermission: Decodable {
        let permission: String?
        let roleName: String?

        enum CodingKeys: String, CodingKey {
            case permission
            case roleName = "role_name"
        }
    }

    /// `Team`: `permission` is the team's access (`none|read|write|admin|owner`); unit-based
    /// teams (Gitea ≥ 1.12) say `none` there and give per-unit access in `units_map`.
    struct Team: Decodable {
        let id: Int64
        let name: String
        let permission: String?
        let unitsMap: [String: String]?

        enum CodingKeys: String, CodingKey {
            case id, name, permission
            case unitsMap = "units_map"
        }

        /// The team's access to the repository's code.
        var codeAccess: String? {
            if let p = permission?.lowercased(), ["admin", "owner"].contains(p) { return p }
            if let code = unitsMap?["repo.code"]?.lowercased(), code != "none" { return code }
            return permission?.lowercased()
        }
    }

    /// `Repository` (only what afk reads).
    struct Repository: Decodable {
        /// `Permission`: what the *caller* may do on the repository.
        struct Permissions: Decodable {
            let admin: Bool?
            let push: Bool?
            let pull: Bool?
        }
        let defaultBranch: String?
        let owner: User?
        let permissions: Permissions?

        enum CodingKeys: String, CodingKey {
            case owner, permissions
            case defaultBranch = "default_branch"
        }
    }

    /// `Commit` → `RepoCommit` → `CommitUser`. `created` is the commit's own timestamp.
    struct Commit: Decodable {
        struct Inner: Decodable {
            struct Person: Decodable { let date: String? }
            let message: String?
            let committer: Person?
        }
        let sha: String
        let commit: Inner?
        let created: String?
    }

    /// `CombinedStatus`. Forgejo answers `{}` for a commit without statuses; on each
    /// `CommitStatus` the field is `status`, not `state`.
    struct CombinedStatus: Decodable {
        struct Status: Decodable {
            let context: String?
            let status: String?
        }
        let state: String?
        let totalCount: Int?
        let statuses: [Status]?

        enum CodingKeys: String, CodingKey {
            case state, statuses
            case totalCount = "total_count"
        }
    }

    /// `GET /repos/{o}/{r}/actions/runs`: Gitea's `ActionWorkflowRunsResponse` and Forgejo's
    /// `ListRepoActionRunResponse` share the envelope; the runs differ (see ``Run``).
    struct ActionRuns: Decodable {
        /// Gitea `ActionWorkflowRun` (`status` queued|in_progress|completed|waiting plus
        /// `conclusion`, `path` = "file.yml@ref") or Forgejo `RepoActionRun` (`status` alone:
        /// unknown|waiting|running|success|failure|cancelled|skipped|blocked, `workflow_id` =
        /// "file.yml", `name`).
        struct Run: Decodable {
            let id: Int64?
            let runNumber: Int64?
            let headSHA: String?
            let status: String?
            let conclusion: String?
            let path: String?
            let workflowID: String?
            let name: String?
            let displayTitle: String?

            enum CodingKeys: String, CodingKey {
                case id, status, conclusion, path, name
                case runNumber = "run_number"
                case headSHA = "head_sha"
                case workflowID = "workflow_id"
                case displayTitle = "display_title"
            }
        }
        let totalCount: Int?
        let workflowRuns: [Run]?

        enum CodingKeys: String, CodingKey {
            case totalCount = "total_count"
            case workflowRuns = "workflow_runs"
        }
    }
}
