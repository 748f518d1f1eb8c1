import Foundation

/// The parts of the Gitea/Forgejo pull-request, review and branch payloads afk reads (swagger
/// definitions `PullRequest`, `PRBranchInfo`, `PullReview`, `Branch`, `ServerVersion`). As in
/// ``Forgejo``, everything afk can live without is optional.
extension Forgejo {
    /// `PullRequest`. `mergeable` is a bool that is also false while the server checks the pull
    /// request; `state` is `open` or `closed`, and a merged one is `closed` with `merged: true`.
    struct Pull: Decodable {
        /// `PRBranchInfo`. `repo` is null when the head's fork is gone.
        struct Ref: Decodable {
            struct Repo: Decodable {
                let fullName: String?

                enum CodingKeys: String, CodingKey {
                    case fullName = "full_name"
                }
            }
            let ref: String
            let sha: String
            let repoID: Int64?
            let repo: Repo?

            enum CodingKeys: String, CodingKey {
                case ref, sha, repo
                case repoID = "repo_id"
            }
        }

        let number: Int
        let state: String?
        let title: String?
        let htmlURL: String?
        let head: Ref
        let base: Ref
        let mergeable: Bool?
        let merged: Bool?
        let mergedAt: String?
        let mergeCommitSHA: String?
        let draft: Bool?

        enum CodingKeys: String, CodingKey {
            case number, state, title, head, base, mergeable, merged, draft
            case htmlURL = "html_url"
            case mergedAt = "merged_at"
            case mergeCommitSHA = "merge_commit_sha"
        }
    }

    /// `PullReview`. `state` is `APPROVED|PENDING|COMMENT|REQUEST_CHANGES|REQUEST_REVIEW`
    /// (Gitea `modules/structs/pull_review.go`); dismissal is the separate `dismissed` bool.
    struct Review: Decodable {
        let id: Int64
        let user: User?
        let state: String?
        let body: String?
        let commitID: String?
        let stale: Bool?
        let dismissed: Bool?

        enum CodingKeys: String, CodingKey {
            case id, user, state, body, stale, dismissed
            case commitID = "commit_id"
        }
    }

    /// `Branch` (`GET …/branches/{branch}`, read access). The protection facts are computed for
    /// the caller: `user_can_push` is whether *the token's user* may push to it.
    struct Branch: Decodable {
        let name: String?
        let protected: Bool?
        let requiredApprovals: Int?
        let enableStatusCheck: Bool?
        let statusCheckContexts: [String]?
        let userCanPush: Bool?
        let userCanMerge: Bool?

        enum CodingKeys: String, CodingKey {
            case name, protected
            case requiredApprovals = "required_approvals"
            case enableStatusCheck = "enable_status_check"
            case statusCheckContexts = "status_check_contexts"
            case userCanPush = "user_can_push"
            case userCanMerge = "user_can_merge"
        }
    }

    /// `ServerVersion` (`GET /version`): Gitea `1.22.3`; Forgejo `7.0.5+gitea-1.21.11`, and before
    /// 7.0 Gitea-style `1.21.11-0`.
    struct ServerVersion: Decodable {
        let version: String?
    }
}
