import Foundation

/// The parts of GitHub REST payloads afk reads (https://docs.github.com/en/rest; schemas named as in the
/// OpenAPI description, https://github.com/github/rest-api-description). Optional wherever the
/// OpenAPI description makes a field nullable or not required.
enum GitHub {
    struct User: Decodable {
        let login: String
    }

    /// An issue's label: an object whose every field the schema leaves optional
    /// (`issue.labels[]`), or a bare string. One without a name fails to decode here and is
    /// left out of the list (``LenientList``), never failing the whole issue.
    struct Label: Decodable {
        let name: String

        init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
                self.name = name
            } else {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                self.name = try container.decode(String.self, forKey: .name)
            }
        }

        enum CodingKeys: String, CodingKey { case name }
    }

    /// `issue` schema. `pull_request` is present only on pull requests
    /// (https://docs.github.com/en/rest/issues/issues#list-repository-issues).
    struct Issue: Decodable {
        struct PullRequestRef: Decodable {}

        let number: Int
        let title: String
        let body: String?
        let state: String
        let labels: LenientList<Label>
        let pullRequest: PullRequestRef?
        let htmlURL: String?
        let repositoryURL: String?
        /// Read leniently: a count afk cannot read is a count it does not know (and reads the list).
        let comments: Lenient<Int>?
        let dependencies: Lenient<DependenciesSummary>?

        /// `issue_dependencies_summary` (https://docs.github.com/en/rest/issues/issue-dependencies):
        /// `total_blocked_by` counts every blocker, open or closed.
        struct DependenciesSummary: Decodable {
            let totalBlockedBy: Int

            enum CodingKeys: String, CodingKey {
                case totalBlockedBy = "total_blocked_by"
            }
        }

        enum CodingKeys: String, CodingKey {
            case number, title, body, state, labels, comments
            case pullRequest = "pull_request"
            case htmlURL = "html_url"
            case repositoryURL = "repository_url"
            case dependencies = "issue_dependencies_summary"
        }
    }

    /// `issue-event-for-issue` (https://docs.github.com/en/rest/issues/events#list-issue-events).
    /// Only `labeled`/`unlabeled` events carry `label`; `actor`
    /// is null for deleted accounts.
    struct IssueEvent: Decodable {
        struct EventLabel: Decodable { let name: String? }
        let event: String
        let actor: User?
        let label: EventLabel?
    }

    /// `repository-collaborator-permission`
    /// (https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user).
    struct CollaboratorPermission: Decodable {
        let permission: String
        let roleName: String?

        enum CodingKeys: String, CodingKey {
            case permission
            case roleName = "role_name"
        }
    }

    /// `full-repository` (only what afk reads).
    struct Repository: Decodable {
        /// Present on authenticated requests: what the token's user may do.
        struct Permissions: Decodable {
            let admin: Bool?
            let maintain: Bool?
            let push: Bool?
            let triage: Bool?
        }
        let defaultBranch: String
        let permissions: Permissions?
        enum CodingKeys: String, CodingKey {
            case permissions
            case defaultBranch = "default_branch"
        }
    }

    /// `commit` (https://docs.github.com/en/rest/commits/commits#list-commits): the git committer date
    /// is what `since` filters on.
    struct Commit: Decodable {
        struct Inner: Decodable {
            struct Person: Decodable { let date: String? }
            let message: String
            let committer: Person?
        }
        let sha: String
        let commit: Inner
    }

    /// `GET …/commits/{ref}/check-runs` → `{total_count, check_runs}`
    /// (https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference).
    struct CheckRuns: Decodable {
        struct Run: Decodable {
            let name: String
            let status: String
            let conclusion: String?
        }
        let totalCount: Int
        let checkRuns: [Run]
        enum CodingKeys: String, CodingKey {
            case totalCount = "total_count"
            case checkRuns = "check_runs"
        }
    }

    /// `combined-commit-status`
    /// (https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference).
    /// `state` is a plain string in the schema.
    struct CombinedStatus: Decodable {
        struct Status: Decodable {
            let context: String
            let state: String
        }
        let state: String
        let totalCount: Int
        let statuses: [Status]
        enum CodingKeys: String, CodingKey {
            case state, statuses
            case totalCount = "total_count"
        }
    }

    /// `issue-comment` (https://docs.github.com/en/rest/issues/comments).
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
}
