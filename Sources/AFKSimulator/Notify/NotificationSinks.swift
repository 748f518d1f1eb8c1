import Foundation

/// The doorbell sinks: an ntfy server under `/ntfy` and Slack incoming webhooks under `/slack`
/// (https://docs.ntfy.sh/publish/, https://api.slack.com/messaging/webhooks). Every accepted notification is
/// recorded; tokens never are.
struct NotificationSinks: Sendable {
    var ntfy: NtfyScenario
    var slack: SlackScenario
    var delivered: [SimNotification] = []

    init(ntfy: NtfyScenario, slack: SlackScenario) {
        self.ntfy = ntfy
        self.slack = slack
    }

    // MARK: ntfy

    static let ntfyDocs = "https://ntfy.sh/docs/publish/"

    /// ntfy's error body `{code, http, error, link}` (`server/errors.go`).
    static func ntfyError(_ status: Int, _ code: Int, _ error: String, link: String? = nil) -> SimResponse {
        var members: [String: JSONValue] = ["code": .num(code), "http": .num(status), "error": .string(error)]
        if let link { members["link"] = .string(link) }
        return SimResponse(
            status: status,
            headers: [("content-type", "application/json")],
            body: JSONValue.object(members).data + Data("\n".utf8)
        )
    }

    /// ntfy's `ParsePriority`: empty → 0 (not set), `1…5` or `min, low, default, high, max|urgent`.
    static func parsePriority(_ raw: String) -> Int?? {
        switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
        case "": return .some(nil)
        case "1", "min": return 1
        case "2", "low": return 2
        case "3", "default": return 3
        case "4", "high": return 4
        case "5", "max", "urgent": return 5
        default: return nil
        }
    }

    /// The first of `names` present as a header (case-insensitive) or a lower-case query parameter.
    static func param(_ request: SimRequest, _ names: [String]) -> String? {
        for name in names {
            if let value = request.header(name) { return value }
        }
        let query = request.query
        for name in names {
            if let value = query[name.lowercased()] { return value }
        }
        return nil
    }

    static func isValidTopic(_ topic: String) -> Bool {
        !topic.isEmpty && topic.count <= 64
            && topic.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
            }
    }

    /// The credential of `Authorization: Bearer …` / `Basic base64(user:pass)` (password or `:token`), or the
    /// `?auth=` parameter (base64 of a whole header value).
    static func ntfyCredential(_ request: SimRequest) -> String? {
        var header = request.header("authorization")
        if header == nil, let auth = request.query["auth"],
            let data = Data(
                base64Encoded: Self.padBase64(
                    auth.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                )
            )
        {
            header = String(decoding: data, as: UTF8.self)
        }
        guard let raw = header?.trimmingCharacters(in: .whitespaces) else { return nil }
        let parts = raw.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "" }
        switch parts[0].lowercased() {
        case "bearer":
            return parts[1]
        case "basic":
            guard let data = Data(base64Encoded: padBase64(parts[1])) else { return "" }
            let text = String(decoding: data, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { return "" }
            return String(text[text.index(after: colon)...])
        default:
            return ""
        }
    }

    static func padBase64(_ s: String) -> String {
        let remainder = s.count % 4
        return remainder == 0 ? s : s + String(repeating: "=", count: 4 - remainder)
    }

    typealias Handler = WorldHandler<NotificationSinks, Date>

    /// ntfy's health check and publishing to a topic (https://docs.ntfy.sh/publish/).
    static let ntfyRouter = Router<Handler>([
        .get("/v1/health") { _, _ in .json(200, .obj(["healthy": .bool(true)])) },
        .post("/{topic}") { sinks, call in sinks.publish(call.request, topic: call["topic"], now: call.now) },
        .put("/{topic}") { sinks, call in sinks.publish(call.request, topic: call["topic"], now: call.now) },
    ])

    /// ntfy's `page not found` for any other path or method.
    static let ntfyNotFound = ntfyError(404, 40401, "page not found")

    mutating func handleNtfy(_ request: SimRequest, now: Date) -> SimResponse {
        guard case .found(let handler, let parameters) = Self.ntfyRouter.match(request.method, request.segments) else {
            return Self.ntfyNotFound
        }
        return handler(&self, RouteCall(request: request, parameters: parameters, context: now))
    }

    /// Publishes a message to `topic` (not a valid topic name: 404): token, then the message's headers or query
    /// parameters; records it and answers the message as ntfy does.
    private mutating func publish(_ request: SimRequest, topic: String, now: Date) -> SimResponse {
        guard Self.isValidTopic(topic) else { return Self.ntfyNotFound }
        let credential = Self.ntfyCredential(request)
        if !ntfy.tokens.isEmpty {
            // ntfy: an anonymous publisher without write access gets 403; a bad credential gets 401.
            guard let credential else {
                return Self.ntfyError(403, 40301, "forbidden", link: "https://ntfy.sh/docs/publish/#authentication")
            }
            guard ntfy.tokens.contains(credential) else {
                return Self.ntfyError(401, 40101, "unauthorized", link: "https://ntfy.sh/docs/publish/#authentication")
            }
        }
        let priority: Int?
        switch Self.parsePriority(Self.param(request, ["X-Priority", "Priority", "prio", "p"]) ?? "") {
        case .some(let parsed): priority = parsed
        case .none:
            return Self.ntfyError(
                400,
                40007,
                "invalid priority",
                link: "https://ntfy.sh/docs/publish/#message-priority"
            )
        }
        let title = Self.param(request, ["X-Title", "Title", "t"]).flatMap { $0.isEmpty ? nil : $0 }
        let tags = (Self.param(request, ["X-Tags", "Tags", "Tag", "ta"]) ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let click = Self.param(request, ["X-Click", "Click"]).flatMap { $0.isEmpty ? nil : $0 }
        let markdownFlag = (Self.param(request, ["X-Markdown", "Markdown", "md"]) ?? "").lowercased()
        let markdown =
            ["true", "1", "yes"].contains(markdownFlag)
            || request.header("content-type")?.lowercased().hasPrefix("text/markdown") == true
        var message = String(decoding: request.body, as: UTF8.self)
        if message.isEmpty { message = "triggered" }  // ntfy's default body

        let time = Int64(now.timeIntervalSince1970)
        var members: [String: JSONValue] = [
            "id": .string(Self.messageID()),
            "time": .int(time),
            "expires": .int(time + 43_200),
            "event": .string("message"),
            "topic": .string(topic),
        ]
        if let title { members["title"] = .string(title) }
        members["message"] = .string(message)
        if let priority { members["priority"] = .num(priority) }
        if !tags.isEmpty { members["tags"] = .array(tags.map(JSONValue.string)) }
        if let click { members["click"] = .string(click) }
        if markdown { members["content_type"] = .string("text/markdown") }

        delivered.append(
            SimNotification(
                sink: "ntfy",
                topic: topic,
                title: title,
                priority: priority,
                tags: tags,
                click: click,
                markdown: markdown,
                message: message,
                hadAuthorization: credential != nil,
                receivedAt: SimClock.github(now)
            )
        )
        return SimResponse(
            status: 200,
            headers: [("content-type", "application/json")],
            body: JSONValue.object(members).data + Data("\n".utf8)
        )
    }

    static func messageID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    // MARK: Slack

    static func slackText(_ status: Int, _ text: String) -> SimResponse {
        SimResponse(status: status, headers: [("content-type", "text/plain; charset=utf-8")], body: Data(text.utf8))
    }

    /// The value of `name` in an `application/x-www-form-urlencoded` body, or nil.
    static func formField(_ name: String, in text: String) -> String? {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            let value = parts[1].replacingOccurrences(of: "+", with: " ")
            return value.removingPercentEncoding ?? value
        }
        return nil
    }

    /// Incoming webhooks: `POST /services/{T}/{B}/{X}`.
    static let slackRouter = Router<Handler>([
        .post("/services/{T}/{B}/{X}") { sinks, call in
            let hook = [call["T"], call["B"], call["X"]].joined(separator: "/")
            guard sinks.isSlackHook(hook) else { return Self.slackNoService }
            return sinks.deliverToSlack(call.request, hook: hook, now: call.now)
        }
    ])

    static let slackNoService = slackText(404, "no_service")

    /// An unknown hook is `no_service` whatever the method; a known one answers anything but `POST` with
    /// `invalid_method`.
    mutating func handleSlack(_ request: SimRequest, now: Date) -> SimResponse {
        switch Self.slackRouter.match(request.method, request.segments) {
        case .found(let handler, let parameters):
            return handler(&self, RouteCall(request: request, parameters: parameters, context: now))
        case .wrongMethod:
            return isSlackHook(request.segments.dropFirst().joined(separator: "/"))
                ? Self.slackText(405, "invalid_method") : Self.slackNoService
        case .notFound:
            return Self.slackNoService
        }
    }

    /// Whether `hook` (`T/B/X`) is live: any is when the scenario lists none.
    private func isSlackHook(_ hook: String) -> Bool {
        slack.hooks.isEmpty || slack.hooks.map(SlackScenario.normalise).contains(hook)
    }

    /// Takes a message for a live hook: JSON with `text` or `blocks`, else `invalid_payload`.
    private mutating func deliverToSlack(_ request: SimRequest, hook path: String, now: Date) -> SimResponse {
        // JSON, or the form-encoded `payload=<json>` Slack also accepts. A JSON body sent with a form
        // content type (curl -d without -H) is taken as JSON.
        var body = request.body
        if let payload = Self.formField("payload", in: String(decoding: body, as: UTF8.self)) {
            body = Data(payload.utf8)
        }
        guard let json = JSONValue.parse(body), json.isObject else { return Self.slackText(400, "invalid_payload") }
        let text = json["text"]?.stringValue ?? ""
        let hasBlocks = !(json["blocks"]?.arrayValue ?? []).isEmpty
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || hasBlocks else {
            return Self.slackText(400, "invalid_payload")
        }
        delivered.append(
            SimNotification(
                sink: "slack",
                path: path,
                message: text,
                payload: json,
                hadAuthorization: request.header("authorization") != nil,
                receivedAt: SimClock.github(now)
            )
        )
        return Self.slackText(200, "ok")
    }
}
