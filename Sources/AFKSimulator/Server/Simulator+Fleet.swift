import Foundation

/// Knobs for afk at fleet scale: rate-limit budgets, search index lag and timeouts, latency, and the most
/// requests a service had in flight at once.
extension Simulator {
    /// Sets the GitHub view's `core` limit for every token; with `remaining`, what is left of it now; with
    /// `resetIn`, when the window resets. Every authorised request but `GET /rate_limit` and `/search/…`
    /// counts it down; at 0 GitHub answers 403 (primary rate limit) until the reset
    /// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
    public func setRateLimit(core: Int, remaining: Int? = nil, resetIn: TimeInterval? = nil) async {
        await state.setRateLimit("core", limit: core, remaining: remaining, resetIn: resetIn)
    }

    /// Sets the GitHub view's `search` limit (per minute, per token; GitHub: 30) like ``setRateLimit(core:remaining:resetIn:)``.
    public func setSearchRateLimit(_ limit: Int = 30, remaining: Int? = nil, resetIn: TimeInterval? = nil) async {
        await state.setRateLimit("search", limit: limit, remaining: remaining, resetIn: resetIn)
    }

    /// Makes changes to issues show in search only `seconds` after they happen (GitHub's `/search/issues`, a
    /// keyword search of the Forgejo view); what exists now is indexed at once. 0: search is consistent.
    public func setSearchLag(seconds: Double) async {
        await state.setSearchLag(seconds)
    }

    /// While set, GitHub search answers `incomplete_results: true`, as when the search timed out
    /// (https://docs.github.com/en/rest/search/search#timeouts-and-incomplete-results).
    public func setSearchIncompleteResults(_ incomplete: Bool) async {
        await state.setSearchIncompleteResults(incomplete)
    }

    /// Delays every answer of `service` (every service but the control endpoints when nil) by `milliseconds`.
    /// Delayed requests overlap: the wait is outside the simulator's state.
    public func setLatency(_ service: SimService?, milliseconds: Int) {
        state.traffic.setLatency(service, milliseconds: milliseconds)
    }

    /// The most requests to `service` in flight at once since start or ``resetMaxInFlight()``.
    public func maxInFlight(_ service: SimService) -> Int {
        state.traffic.maxInFlight(service)
    }

    /// Requests to `service` in flight now.
    public func inFlight(_ service: SimService) -> Int {
        state.traffic.inFlight(service)
    }

    /// Starts counting ``maxInFlight(_:)`` afresh.
    public func resetMaxInFlight() {
        state.traffic.resetMaxInFlight()
    }
}

extension SimulatorState {
    func setRateLimit(_ resource: String, limit: Int, remaining: Int?, resetIn: TimeInterval?) {
        forge.setRateLimit(resource, limit: limit, remaining: remaining, resetIn: resetIn, now: Date())
    }

    func setSearchLag(_ seconds: Double) {
        forge.fleet.lagSeconds = max(0, seconds)
        if seconds > 0 { forge.fleet.reindex(forge.repos, now: Date()) }
    }

    func setSearchIncompleteResults(_ incomplete: Bool) {
        forge.fleet.incompleteResults = incomplete
    }
}
