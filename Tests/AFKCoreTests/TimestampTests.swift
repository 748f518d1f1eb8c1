import AFKCore
import Foundation
import Testing

struct TimestampTests {
    /// 2026-11-23T10:00:00Z.
    static let tenUTC = Date(timeIntervalSince1970: 1_795_428_000)

    @Test(
        arguments: [
            ("2026-11-23T10:00:00Z", 0.0),  // GitHub
            ("2026-11-23T10:00:00.123Z", 0.123),  // T3 (toISOString)
            ("2026-11-23T11:00:00+01:00", 0),  // git's committer zone through Forgejo
            ("2026-11-23T05:30:00-04:30", 0),
            ("2026-11-23T11:00:00.5+01:00", 0.5),
        ])
    func theServicesFormsParse(text: String, offset: Double) throws {
        let date = try #require(Timestamp.parse(text), "\(text) should parse")
        #expect(abs(date.timeIntervalSince(Self.tenUTC) - offset) < 0.001, "\(text)")
    }

    @Test(arguments: ["yesterday", "", "2026-11-23", "2026-11-23 10:00:00", "10:00:00Z"])
    func whatIsNotADateTimeIsNil(text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }

    @Test func afkWritesUTCWholeSecondsAndReadsItBack() {
        let text = Timestamp.format(Self.tenUTC.addingTimeInterval(0.9))
        #expect(text == "2026-11-23T10:00:00Z")
        #expect(Timestamp.parse(text) == Self.tenUTC)
    }
}
