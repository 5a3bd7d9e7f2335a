import Foundation
import Testing

@testable import ShiplogCore

@Suite struct FreezeWindowTests {
    @Test func absolutePeriodIsHalfOpen() throws {
        let holidays = try FreezeWindow("2026-12-20T00:00Z/2027-01-02T00:00Z")
        #expect(!holidays.contains(time("2026-12-19T23:59:59Z")))
        #expect(holidays.contains(time("2026-12-20T00:00:00Z")))
        #expect(holidays.contains(time("2027-01-01T23:59:59Z")))
        #expect(!holidays.contains(time("2027-01-02T00:00:00Z")))
        #expect(holidays.description == "2026-12-20T00:00Z/2027-01-02T00:00Z")
    }

    @Test func cronOrPeriodIsChosenByShape() throws {
        #expect(try FreezeWindow("*/5 * * * *") == .cron(try CronExpression("*/5 * * * *")))
        #expect(
            ledgerError { _ = try FreezeWindow("2027-01-02/2026-12-20") }?.message
                == "invalid freeze window '2027-01-02/2026-12-20': the end must be after the start")
        #expect(ledgerError { _ = try FreezeWindow("2026-12-20/soon") }?.code == .invalidValue)
    }

    @Test func encodesAsWritten() throws {
        let policy = EnvironmentPolicy(
            approvalsRequired: 2,
            freezeWindows: [try FreezeWindow("* 16-23 * * 5"), try FreezeWindow("2026-12-20T00:00Z/2027-01-02T00:00Z")])
        let json = String(decoding: try LedgerEvent.makeEncoder().encode(policy), as: UTF8.self)
        #expect(json.contains(#""freezeWindows":["* 16-23 * * 5","2026-12-20T00:00Z/2027-01-02T00:00Z"]"#))
        #expect(try LedgerEvent.makeDecoder().decode(EnvironmentPolicy.self, from: Data(json.utf8)) == policy)
    }
}
