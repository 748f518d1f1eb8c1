import AFKCore
import Foundation
import Logging

/// A JSON-over-HTTP client for one service: base URL, auth header, retries and error mapping.
///
/// A tick works on several repositories at once, so requests to one service are bounded by the
/// tick's ``FleetLimits`` (`http.max_in_flight`, 8 by default) rather than sent strictly one at a
/// time; within one repository they stay in order.
/// Transient failures are retried per ``RetryPolicy``; the same request bytes are re-sent, which
/// is what makes T3's `commandId` replay safe.
public struct ServiceClient: Sendable {
    public let service: String
    public let baseURL: URL
    let transport: any HTTPTransport
    let defaultHeaders: [String: String]
    let retry: RetryPolicy
    let sleep: @Sendable (Double) async -> Void
    let now: @Sendable () -> Date
    let logger: Logger
    /// Responses that look transient by status but are a service's final word (T3's domain
    /// rejections are 500s that a replay only repeats).
    let isFinal: @Sendable (ServiceResponse) -> Bool
    /// The URL path is a secret (a Slack webhook): never name it in logs or errors.
    let redactPath: Bool
    /// Adds the credentials of each request when they change during a tick (a GitHub App's
    /// installation tokens); nil for a fixed token in ``defaultHeaders``.
    let authorizer: (any RequestAuthorizer)?

    public init(
        service: String,
        baseURL: URL,
        transport: any HTTPTransport,
        defaultHeaders: [String: String],
        retry: RetryPolicy,
        logger: Logger,
        isFinal: @escaping @Sendable (ServiceResponse) -> Bool = { _ in false },
        sleep: @escaping @Sendable (Double) async -> Void = ServiceClient.realSleep,
        now: @escaping @Sendable () -> Date = { Date() },
        redactPath: Bool = false,
        authorizer: (any RequestAuthorizer)? = nil
    ) {
        self.authorizer = authorizer
        self.redactPath = redactPath
        self.service = service
        self.baseURL = baseURL
        self.transport = transport
        self.defaultHeaders = defaultHeaders
        self.retry = retry
        self.sleep = sleep
        self.now = now
        self.logger = logger
        self.isFinal = isFinal
    }

    public static let realSleep: @Sendable (Double) async -> Void = { seconds in
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }

    /// `baseURL` + path (which starts with `/`) + query. Path segments must already be escaped.
    public func url(_ path: String, query: [(String, String)] = []) -> URL {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var components = URLComponents(string: base + path)
        if !query.isEmpty {
            components?.percentEncodedQueryItems = query.map {
                URLQueryItem(
                    name: $0.0,
                    value: $0.1.addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed)
                )
            }
        }
        return components?.url ?? baseURL
    }

    static let queryValueAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.remove(charactersIn: "&=+,#")
        return set
    }()

    /// Escapes one path segment (a label name, a login).
    public static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Sends with retries. Returns any response the caller should interpret (2xx, 404, 422, ...);
    /// throws ``ServiceError`` for 401, a non-rate-limit 403, and exhausted retries.
    ///
    /// `idempotent` says whether sending the request twice is harmless. It defaults to true for
    /// every method but POST. A request that is not idempotent (a comment, a job submission, any
    /// create) is retried only while the answer proves it was not carried out: a refused
    /// connection, 429 and rate-limit 403s. A 5xx (a gateway's 502/504 included) or a transport
    /// failure after the request may have arrived throws at once with
    /// ``ServiceError/outcomeUnknown`` set: the caller must read before it sends again.
    ///
    /// The transport's ``TickGuard`` bounds every attempt: nothing is sent once the tick has
    /// stopped or passed its deadline, or once this service's breaker is open; no request
    /// outlasts the deadline and no retry waits past it.
    ///
    /// A request waiting for one of the service's slots (``FleetLimits``) queues as a write
    /// unless it is a GET or HEAD, or `queueAsRead` says that reads depend on it (a token mint).
    public func send(
        _ method: String,
        _ url: URL,
        json: Data? = nil,
        headers extra: [String: String] = [:],
        body raw: Data? = nil,
        idempotent: Bool? = nil,
        queueAsRead: Bool = false
    ) async throws(ServiceError) -> ServiceResponse {
        if let authorizer, extra["Authorization"] == nil {
            // A 401 proves the request was not carried out: renew the credentials once and resend.
            let first = try await authorizer.headers(for: url, adding: extra, refused: nil)
            do {
                return try await send(
                    method,
                    url,
                    json: json,
                    headers: first,
                    body: raw,
                    idempotent: idempotent,
                    queueAsRead: queueAsRead
                )
            } catch  where error.kind == .badCredentials {
                let renewed = try await authorizer.headers(for: url, adding: extra, refused: first)
                return try await send(
                    method,
                    url,
                    json: json,
                    headers: renewed,
                    body: raw,
                    idempotent: idempotent,
                    queueAsRead: queueAsRead
                )
            }
        }
        let writing = !queueAsRead && method != "GET" && method != "HEAD"
        let idempotent = idempotent ?? (method != "POST")
        var headers = defaultHeaders
        if json != nil { headers["Content-Type"] = "application/json" }
        for (k, v) in extra { headers[k] = v }
        let request = ServiceRequest(method: method, url: url, headers: headers, body: json ?? raw)
        let shown = redactPath ? "<redacted URL>" : url.path
        let guardrail = transport.tickGuard
        let key = breakerKey
        let started = now()
        var attempt = 1
        while true {
            // A task that no longer wants the answer sends nothing more (a retry included).
            if Task.isCancelled {
                throw ServiceError(
                    service: service,
                    kind: .unavailable,
                    message: "\(method) \(shown) was abandoned before it was sent"
                )
            }
            if let refusal = guardrail?.refusal(for: key) {
                throw ServiceError(
                    service: service,
                    kind: .unavailable,
                    message: "\(method) \(shown) not sent: \(refusal)"
                )
            }
            var attemptRequest = request
            if let left = guardrail?.secondsLeft { attemptRequest.timeoutSeconds = max(1, left) }
            let elapsed = now().timeIntervalSince(started)
            let observed: RetryPolicy.Attempt
            var delivered: ServiceResponse?
            let result: Result<ServiceResponse, TransportError>
            // At most `http.max_in_flight` requests to one service at a time, across every
            // repository the tick works on concurrently.
            await guardrail?.fleet.acquire(key, writing: writing)
            guardrail?.fleet.countRequest(service)
            do { result = .success(try await transport.send(attemptRequest)) } catch { result = .failure(error) }
            guardrail?.fleet.release(key)
            if case .success(let response) = result { guardrail?.fleet.observe(response.headers, from: key) }
            switch result {
            case .success(let response):
                guardrail?.record(.answered, for: key)
                delivered = response
                if isFinal(response) {
                    observed = .response(status: 200, headers: [:], body: "")  // delivered as is below
                } else if !idempotent, (500...599).contains(response.status) {
                    throw ServiceError(
                        service: service,
                        kind: .unavailable,
                        message:
                            "\(method) \(shown) may or may not have been carried out: HTTP \(response.status) (\(Self.errorMessage(response)))",
                        outcomeUnknown: true
                    )
                } else {
                    observed = .response(status: response.status, headers: response.headers, body: response.bodyText)
                }
            case .failure(let error):
                // A request abandoned by its task (the answer is no longer wanted) says nothing
                // about the service: it feeds no breaker and is not retried.
                if Task.isCancelled {
                    throw ServiceError(
                        service: service,
                        kind: .unavailable,
                        message: "\(method) \(shown) was abandoned: \(error.message)",
                        outcomeUnknown: !idempotent && error.mayHaveArrived
                    )
                }
                guardrail?.record(.connectionFailed(error.message), for: key)
                if !idempotent && error.mayHaveArrived {
                    throw ServiceError(
                        service: service,
                        kind: .unavailable,
                        message: "\(method) \(shown) may or may not have been carried out: \(error.message)",
                        outcomeUnknown: true
                    )
                }
                observed = .transportFailure(error.message)
                logger.warning("\(service): \(error.message)", metadata: ["attempt": "\(attempt)"])
            }
            let outcome = retry.decide(
                observed,
                attemptNumber: attempt,
                elapsedSeconds: elapsed,
                nowEpochSeconds: now().timeIntervalSince1970,
                secondsLeft: guardrail?.secondsLeft
            )
            switch outcome {
            case .deliver:
                guard let response = delivered else {
                    throw ServiceError(
                        service: service,
                        kind: .unavailable,
                        message: "\(method) \(shown) got no response"
                    )
                }
                return try check(response, request: request)
            case .retry(let seconds):
                if let halt = guardrail?.haltReason {
                    throw ServiceError(
                        service: service,
                        kind: .unavailable,
                        message: "gave up on \(method) \(shown): \(halt)"
                    )
                }
                if let status = delivered?.status {
                    logger.warning(
                        "\(service) answered \(status) to \(method) \(shown)",
                        metadata: ["attempt": "\(attempt)"]
                    )
                }
                logger.info("\(service): retrying \(method) \(shown) in \(Self.format(seconds))s")
                await sleep(seconds)
                attempt += 1
            case .giveUp(let why):
                guardrail?.record(.retriesExhausted(why), for: key)
                throw ServiceError(
                    service: service,
                    kind: .unavailable,
                    message: "gave up on \(method) \(shown): \(why)"
                )
            }
        }
    }

    /// The breaker this client's requests count towards: one per service name and server.
    var breakerKey: String {
        "\(service) \(baseURL.host ?? "")\(baseURL.port.map { ":\($0)" } ?? "")"
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }

    func check(_ response: ServiceResponse, request: ServiceRequest) throws(ServiceError) -> ServiceResponse {
        switch response.status {
        case 401:
            throw ServiceError(
                service: service,
                kind: .badCredentials,
                message:
                    "rejected the token (HTTP 401 on \(request.method) \(redactPath ? "<redacted URL>" : request.url.path)): check that it is set, valid and not expired"
            )
        case 403:
            throw ServiceError(
                service: service,
                kind: .forbidden,
                message:
                    "refused \(request.method) \(redactPath ? "<redacted URL>" : request.url.path) (HTTP 403: \(Self.errorMessage(response))): the token lacks a permission it needs"
            )
        default:
            return response
        }
    }

    /// The `message` (GitHub, Forgejo) or `code`/`reason` (T3) of an error body, if any.
    public static func errorMessage(_ response: ServiceResponse) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "empty body" : String(text.prefix(200))
        }
        if let message = object["message"] as? String { return String(message.prefix(300)) }
        let parts = ["_tag", "code", "reason", "requiredScope"]
            .compactMap { key in
                (object[key] as? String).map { "\(key)=\($0)" }
            }
        return parts.isEmpty ? "no message" : parts.joined(separator: " ")
    }

    /// Throws for anything outside `accepted`.
    public func expect(_ response: ServiceResponse, _ accepted: Set<Int>, _ what: String) throws(ServiceError) {
        guard accepted.contains(response.status) else {
            throw ServiceError(
                service: service,
                kind: .unexpectedStatus(response.status),
                message: "\(what) failed with HTTP \(response.status): \(Self.errorMessage(response))"
            )
        }
    }

    /// Decodes a JSON body; a shape mismatch names the type and field.
    public func decode<T: Decodable>(_ type: T.Type, from response: ServiceResponse, _ what: String)
        throws(ServiceError) -> T
    {
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch let DecodingError.keyNotFound(key, context) {
            throw malformed(what, "missing field \(Self.path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw malformed(what, "unexpected type at \(Self.path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw malformed(what, "null at \(Self.path(context.codingPath))")
        } catch {
            throw malformed(what, "body is not JSON")
        }
    }

    func malformed(_ what: String, _ detail: String) -> ServiceError {
        ServiceError(
            service: service,
            kind: .malformedResponse,
            message: "\(what) got a response without the documented shape (\(detail))"
        )
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
