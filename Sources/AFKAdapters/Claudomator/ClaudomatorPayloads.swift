import Foundation

/// Claudomator's task API, as far as the project's own CLAUDE.md documents it (there is no public
/// API reference).
///
/// Confirmed there: `POST /api/tasks` with the task object, whose
/// fields mirror its YAML format, returning the task with its `id`; `POST /api/tasks/{id}/run`;
/// the state machine PENDING → QUEUED → RUNNING → COMPLETED | FAILED | TIMED_OUT | CANCELLED |
/// BUDGET_EXCEEDED, plus READY and BLOCKED.
///
/// *Inferred* (from its CLI, no public source to read): `GET /api/tasks/{id}` and
/// `GET /api/tasks`, the name of the state field, the shape of a list and of an error body.
/// Decoding is therefore tolerant wherever the shape is inferred: `state` or `status`; `id` as a
/// string or a number; a task bare or wrapped as `{"task": {…}}`; a list bare or under `tasks`.
enum Claudomator {
    /// A new task: `name`, `claude {model, instructions, working_dir, max_budget_usd,
    /// permission_mode}`, `timeout` (a Go duration string such as "2700s"), `priority`
    /// (high | normal | low), `tags`. `permission_mode` is left out when not configured, so
    /// Claudomator's own default applies.
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

    /// A task as read back: only what afk uses.
    struct Task: Decodable {
        let id: String
        let name: String?
        /// The state in upper case as Claudomator spells it (`RUNNING`), or nil when absent.
        let state: String?
        let createdAt: String?
        /// Why it failed, when the task says (field name inferred; read tolerantly).
        let error: String?

        enum CodingKeys: String, CodingKey {
            case id, name, state, status, error, task
            case createdAt = "created_at"
        }

        init(from decoder: any Decoder) throws {
            let outer = try decoder.container(keyedBy: CodingKeys.self)
            // `{"task": {...}}` as well as the bare task.
            let c =
                (!outer.contains(.id) ? try? outer.nestedContainer(keyedBy: CodingKeys.self, forKey: .task) : nil)
                ?? outer
            if let text = try? c.decode(String.self, forKey: .id) {
                id = text
            } else {
                id = String(try c.decode(Int64.self, forKey: .id))
            }
            guard !id.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "empty task id")
            }
            name = (try? c.decodeIfPresent(String.self, forKey: .name)) ?? nil
            let state =
                ((try? c.decodeIfPresent(String.self, forKey: .state)) ?? nil)
                ?? ((try? c.decodeIfPresent(String.self, forKey: .status)) ?? nil)
            self.state = state.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            createdAt = (try? c.decodeIfPresent(String.self, forKey: .createdAt)) ?? nil
            error = (try? c.decodeIfPresent(String.self, forKey: .error)) ?? nil
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

    /// An error body's text: `error` or `message` (Go services usually answer
    /// `{"error": "…"}`; inferred), else the start of the body.
    static func detail(of body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            for key in ["error", "message", "detail"] {
                if let text = object[key] as? String { return String(text.prefix(300)) }
            }
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "empty body" : String(text.prefix(200))
    }
}
