import AFKCore
import AFKAdapters
import AFKTesting
import Foundation
import Logging
import Testing

enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "fixture \(name).json is missing from Tests/AFKAdaptersTests/Fixtures"
        )
        return try Data(contentsOf: url)
    }

    static func ok(_ name: String, status: Int = 200, headers: [String: String] = [:]) throws -> ServiceResponse {
        ServiceResponse(status: status, headers: headers, body: try data(name))
    }
}

func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> ServiceResponse {
    ServiceResponse(status: status, headers: headers, body: Data(text.utf8))
}

/// Records sleeps instead of sleeping.
actor SleepLog {
    private(set) var seconds: [Double] = []
    func add(_ s: Double) { seconds.append(s) }
}

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

extension ServiceRequest {
    var jsonBody: [String: Any]? {
        body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    var query: [String: String] {
        Dictionary(
            (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [])
                .map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { a, _ in a }
        )
    }
}

extension Executor {
    /// The agent states ``Executor/observe(threadIDs:)`` reports, without the turn details.
    func states(threadIDs: [String]) async throws(ServiceError) -> [String: AgentState] {
        try await observe(threadIDs: threadIDs).mapValues(\.state)
    }
}
