import AFKAdapters
import Foundation
import Testing

struct LinkHeaderTests {
    @Test func parsesEveryRelation() {
        let links = LinkHeader.parse(
            #"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#
        )
        #expect(links["next"]?.absoluteString == "https://api.github.com/repositories/1/issues?page=2")
        #expect(links["last"]?.absoluteString == "https://api.github.com/repositories/1/issues?page=5")
        #expect(links["prev"] == nil)
    }

    @Test func toleratesAbsenceAndJunk() {
        #expect(LinkHeader.parse(nil).isEmpty)
        #expect(LinkHeader.parse("garbage").isEmpty)
        #expect(LinkHeader.parse("<x>; foo=bar").isEmpty)
    }
}
