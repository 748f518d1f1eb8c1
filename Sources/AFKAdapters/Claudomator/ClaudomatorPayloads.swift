import Foundation

/// Claudomator's task API (facts claudomator.md). Confirmed there: `POST /api/tasks` with the
/// task object (fields as its YAML format) returning the task with its `id`, and
/// `POST /api/tasks/{id}/run`. Inferred from its CLI: `GET /api/tasks/{id}` and `GET /api/tasks`.
/// Decoding is tolerant where the shape is inferred.
enum Claudomator {
    /// A new task: `name`, `claude {model, instructions, working_dir, max_budget_usd,
    /// permission_mode}`, `timeout` (a duration string such as "2700s"), `priority`, `tags`.
    struct NewTask: Encodable {
        struct Claude: Encodable {
            let model: String
            let instructions: String
            let workingDir: String
            let maxBudgetUSD: Double
            let permissionMode: String?

            enum CodingKeys: String, CodingKey {
                case model, instructions
                case workingDir = "working_dir"
                case maxBudgetUSD = "max_budget_usd"
                case permissionMode = "permission_mode"
            }
        }
        let name: String
        let claude: Claude
        let timeout: String
        let priority: String
        let tags: [String]
    }

    /// A task as read back. The state field is `state` (the CLI's word); `status` is accepted
    /// too. `id` may be a string or a number.
    struct Task: Decodable {
        let id: String
        let name: String?
        let state: String?
        let createdAt: String?

        enum CodingKeys: String, CodingKey {
            case id, name, state, status
            case createdAt = "created_at"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? c.decode(String.self, forKey: .id) {
                id = text
            } else {
                id = String(try c.decode(Int64.self, forKey: .id))
            }
            name = try c.decodeIfPresent(String.self, forKey: .name)
            state = (try? c.decodeIfPresent(String.self, forKey: .state)) ?? (try? c.decodeIfPresent(String.self, forKey: .status))
            createdAt = try? c.decodeIfPresent(String.self, forKey: .createdAt)
        }
    }

    /// `GET /api/tasks`: a bare array, or the array under `tasks`.
    struct TaskList: Decodable {
        let tasks: [Task]

        init(from decoder: any Decoder) throws {
            if let array = try? decoder.singleValueContainer().decode([Task].self) {
                tasks = array
            } else {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                tasks = try c.decodeIfPresent([Task].self, forKey: .tasks) ?? []
            }
        }

        enum CodingKeys: String, CodingKey { case tasks }
    }
}
