/// Creates through a request that is not idempotent without ever creating twice.
///
/// A 5xx (a gateway's 502 or 504 included) or a timeout after the request was sent does not say
/// whether the service carried it out ([GitHub: "Troubleshooting the REST API"](https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api)
/// lists 502s and timeouts; the service behind a gateway may well have applied the write).
/// ``ServiceClient`` reports such an answer as ``ServiceError/outcomeUnknown``; this reconciles
/// it by reading: what is found is taken as created, and only when nothing is there is the
/// request sent again — once in this tick; a second unknown outcome is left to the next tick,
/// which reads again before it writes.
public enum UnknownOutcome {
    /// - Parameters:
    ///   - create: sends the create request.
    ///   - find: reads what a create that went through would have left (a comment by its hidden
    ///     marker, a task by its run-derived name); nil when nothing is there.
    /// - Returns: what was created, or found.
    /// - Throws: the create's error when it certainly failed, or the second unknown outcome.
    public static func reconcile<T>(
        isolation: isolated (any Actor)? = #isolation,
        create: () async throws(ServiceError) -> T,
        find: () async throws(ServiceError) -> T?
    ) async throws(ServiceError) -> T {
        do {
            return try await create()
        } catch  where error.outcomeUnknown {
            if let found = try await find() { return found }
        }
        do {
            return try await create()
        } catch  where error.outcomeUnknown {
            if let found = try await find() { return found }
            throw error
        }
    }
}
