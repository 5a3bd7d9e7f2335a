import Foundation
import Testing

@testable import ShiplogCore

@Suite struct LedgerTimeTests {
    @Test func payloadTimeHasMicroseconds() {
        let date = Date(timeIntervalSince1970: 1_795_352_400.123456)
        #expect(LedgerTime.payloadString(date) == "2026-11-22T13:00:00.123456Z")
        #expect(LedgerTime.secondsString(date) == "2026-11-22T13:00:00Z")
        #expect(LedgerTime.parse("2026-11-22T13:00:00.123456Z") == date)
        #expect(LedgerTime.payloadString(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500000Z")
    }

    @Test func parsesTheFormsPeopleWrite() {
        let midnight = Date(timeIntervalSince1970: 1_797_724_800)  // 2026-12-20T00:00:00Z
        #expect(LedgerTime.parse("2026-12-20") == midnight)
        #expect(LedgerTime.parse("2026-12-20T00:00Z") == midnight)
        #expect(LedgerTime.parse("2026-12-20T01:00:00+01:00") == midnight)
        #expect(LedgerTime.parse("2026-12-19T19:00:00-05:00") == midnight)
        #expect(LedgerTime.parse("2024-02-29T00:00Z") != nil)
        for bad in [
            "2026-02-29", "2026-13-01", "2026-12-20T24:00Z", "2026-12-20T00:00", "yesterday", "2026-12-20T00:00Zjunk",
            "2026-02-30", "2026-04-31", "2026-00-10", "2026-11-00", "2026-11-01T25:00:00Z", "2026-11-01T23:60Z",
            "2026-11-01T23:59:60Z", "2026-11-01T12:00+24:00",
        ] {
            #expect(LedgerTime.parse(bad) == nil, "\(bad)")
        }
    }
}
