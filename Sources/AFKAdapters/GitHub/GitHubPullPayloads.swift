import Foundation

/// The parts of GitHub's pull-request, review and branch-rule payloads afk reads (OpenAPI
/// schemas `pull-request`, `pull-request-simple`, `pull-request-review`, `branch-with-protection`,
/// `repository-rule-detailed`). Everything afk can live without is optional, and every enum-like
/// field is a plain string: `mergeable_state` has no enum in the schema, and review states and
/// rule types grow.
extension GitHub {
    /// `pull-request` (single) and `pull-request-simple` (list items). List items carry no
    /// `mergeable`, `mergeable_state` or `merged`; `merged_at` says merged in both.
    struct Pull: Decodable {
        /// `head` or `base`. `repo` is null when the head's fork was deleted; `label` too.
        struct Ref: Decodable {
            struct Repo: Decodable {
                let fullName: String?

                enum CodingKeys: String, CodingKey {
                    case fullName = "full_name"
                }
            }
            let ref: String
            let sha: String
            let repo: Repo?
        }

        let number: Int
        let state: String?
        let title: String?
        let htmlURL: String?
        let head: Ref
        let base: Ref
        let draft: Bool?
        let merged: Bool?
        let mergedAt: String?
        /// true, false, or null while GitHub computes it in the background.
        let mergeable: Bool?
        let mergeableState: String?
        /// A test-merge commit until the pull request is merged.
        let mergeCommitSHA: String?

        enum CodingKeys: String, CodingKey {
            case number, state, title, head, base, draft, merged, mergeable
            case htmlURL = "html_url"
            case mergedAt = "merged_at"
            case mergeableState = "mergeable_state"
            case mergeCommitSHA = "merge_commit_sha"
        }
    }

    /// `pull-request-review`. `user` is null for deleted accounts; PENDING has no `submitted_at`.
    struct Review: Decodable {
        let id: Int64
        let user: User?
        let state: String?
        let body: String?
        let commitID: String?

        enum CodingKeys: String, CodingKey {
            case id, user, state, body
            case commitID = "commit_id"
        }
    }

    /// A 422 "Validation Failed" body: `{message, errors: [{resource, field, code, message}]}`.
    /// Each error's fields are optional (a duplicate has `message`, a bad head has `field`).
    struct ValidationFailed: Decodable {
        struct Item: Decodable {
            let resource: String?
            let field: String?
            let code: String?
            let message: String?
        }
        let message: String?
        let errors: LenientList<Item>?
    }

    /// `PUT …/pulls/{n}/merge` → 200 `{sha, merged, message}`.
    struct MergeResult: Decodable {
        let sha: String?
        let merged: Bool?
        let message: String?
    }

    /// One item of `GET /repos/{o}/{r}/rules/branches/{branch}` (`repository-rule-detailed`):
    /// `{type, parameters?, ruleset_source_type, ruleset_source, ruleset_id}`. Only the
    /// parameters afk reads are decoded; each rule type has its own.
    struct Rule: Decodable {
        struct Parameters: Decodable {
            struct StatusCheck: Decodable { let context: String }
            /// `pull_request`.
            let requiredApprovingReviewCount: Int?
            /// `required_status_checks`.
            let requiredStatusChecks: LenientList<StatusCheck>?
            let strictRequiredStatusChecksPolicy: Bool?

            enum CodingKeys: String, CodingKey {
                case requiredApprovingReviewCount = "required_approving_review_count"
                case requiredStatusChecks = "required_status_checks"
                case strictRequiredStatusChecksPolicy = "strict_required_status_checks_policy"
            }
        }
        let type: String
        let parameters: Parameters?

        /// Parameters that do not have the expected shape are read as absent, never failing the
        /// list (rule types and their parameters grow).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            parameters = try? container.decodeIfPresent(Parameters.self, forKey: .parameters)
        }

        enum CodingKeys: String, CodingKey { case type, parameters }
    }

    /// `branch-with-protection` (`GET /repos/{o}/{r}/branches/{branch}`, read access). Its
    /// `protection` shows only the required status checks; the classic required reviews need
    /// the admin-only `…/protection` endpoint, which afk never calls.
    struct Branch: Decodable {
        struct Protection: Decodable {
            struct RequiredStatusChecks: Decodable {
                struct Check: Decodable { let context: String }
                /// `off`, `non_admins` or `everyone`.
                let enforcementLevel: String?
                let contexts: [String]?
                let checks: LenientList<Check>?
                let strict: Bool?

                enum CodingKeys: String, CodingKey {
                    case contexts, checks, strict
                    case enforcementLevel = "enforcement_level"
                }
            }
            let enabled: Bool?
            let requiredStatusChecks: RequiredStatusChecks?

            enum CodingKeys: String, CodingKey {
                case enabled
                case requiredStatusChecks = "required_status_checks"
            }
        }
        let name: String?
        let protected: Bool?
        let protection: Protection?
    }
}
