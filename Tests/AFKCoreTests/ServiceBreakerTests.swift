import AFKCore
import Testing

/// Within a tick a service that keeps failing is asked no more: several refused or dropped
/// connections in a row, or one spent retry budget, open the breaker for the rest of the tick.
struct ServiceBreakerTests {
    typealias Event = ServiceBreaker.Event
    static let refused = Event.connectionFailed("connection refused")

    /// (name, events, open after them)
    static let table: [(String, [Event], Bool)] = [
        ("fresh: closed", [], false),
        ("one refused connection: closed", [refused], false),
        ("two refused: closed", [refused, refused], false),
        ("three refused in a row: open", [refused, refused, refused], true),
        ("an answer in between resets the count", [refused, refused, .answered, refused, refused], false),
        ("a 5xx is an answer: the service is there", [refused, .answered, refused, .answered, refused], false),
        ("a spent retry budget opens it at once", [.retriesExhausted("HTTP 502")], true),
        ("open stays open, answers or not", [refused, refused, refused, .answered, .answered], true),
    ]

    @Test(arguments: table.indices)
    func opensOnlyWhenTheServiceKeepsFailing(_ i: Int) {
        let (name, events, open) = Self.table[i]
        var breaker = ServiceBreaker()
        for event in events { breaker.record(event) }
        #expect(breaker.isOpen == open, "\(name)")
    }

    @Test func saysWhyItOpened() {
        var breaker = ServiceBreaker(threshold: 2)
        breaker.record(Self.refused)
        breaker.record(.connectionFailed("connection to t3 was lost"))
        #expect(breaker.openReason == "2 connections in a row failed (last: connection to t3 was lost)")
    }
}
