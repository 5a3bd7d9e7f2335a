import Foundation
import Testing

@testable import ShiplogCore

@Suite struct CronExpressionTests {
    @Test func fridayEveningsInUTC() throws {
        let friday = try CronExpression("* 16-23 * * 5")
        #expect(friday.matches(time("2026-11-27T16:00:00Z")))
        #expect(friday.matches(time("2026-11-27T23:59:59Z")))
        #expect(!friday.matches(time("2026-11-27T15:59:59Z")))
        #expect(!friday.matches(time("2026-11-28T00:00:00Z")))
        #expect(!friday.matches(time("2026-11-26T17:00:00Z")))
    }

    @Test func stepsListsRangesAndNames() throws {
        let quarter = try CronExpression("*/15 * * * *")
        #expect(quarter.matches(time("2026-11-22T10:45:30Z")))
        #expect(!quarter.matches(time("2026-11-22T10:46:00Z")))

        let list = try CronExpression("0,30 9-17/2 * * mon-fri")
        #expect(list.matches(time("2026-11-23T09:30:00Z")))  // Monday
        #expect(list.matches(time("2026-11-23T17:00:00Z")))
        #expect(!list.matches(time("2026-11-23T10:00:00Z")))  // hour 10 is not in 9-17/2
        #expect(!list.matches(time("2026-11-22T09:30:00Z")))  // Sunday

        let december = try CronExpression("* * 20-31 DEC *")
        #expect(december.matches(time("2026-12-24T12:00:00Z")))
        #expect(!december.matches(time("2026-11-24T12:00:00Z")))

        let startStep = try CronExpression("5/20 * * * *")
        #expect(startStep.matches(time("2026-11-22T10:45:00Z")))
        #expect(!startStep.matches(time("2026-11-22T10:40:00Z")))
    }

    @Test func sundayIsZeroOrSeven() throws {
        let sunday = time("2026-11-22T12:00:00Z")
        #expect(try CronExpression("* * * * 0").matches(sunday))
        #expect(try CronExpression("* * * * 7").matches(sunday))
        #expect(try CronExpression("* * * * sun").matches(sunday))
        #expect(!(try CronExpression("* * * * 1-6").matches(sunday)))
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        let either = try CronExpression("* * 1 * 5")  // the 1st, or any Friday
        #expect(either.matches(time("2026-12-01T08:00:00Z")))  // a Tuesday
        #expect(either.matches(time("2026-11-27T08:00:00Z")))  // a Friday
        #expect(!either.matches(time("2026-11-26T08:00:00Z")))
        let both = try CronExpression("* * */2 * 5")  // starts with *: both must match
        #expect(!both.matches(time("2026-11-28T08:00:00Z")))  // Saturday the 28th... not Friday
        #expect(both.matches(time("2026-11-27T08:00:00Z")))  // Friday the 27th
    }

    @Test func malformedExpressionsSayWhy() {
        #expect(
            ledgerError { _ = try CronExpression("* 16-23 * *") }?.message
                == "invalid cron expression '* 16-23 * *': expected 5 fields (minute hour day-of-month month day-of-week), got 4"
        )
        #expect(
            ledgerError { _ = try CronExpression("* 24 * * *") }?.message
                == "invalid cron expression '* 24 * * *': hour field '24' has 24 outside 0-23")
        #expect(
            ledgerError { _ = try CronExpression("* * * * fri-mon") }?.message
                == "invalid cron expression '* * * * fri-mon': day-of-week field 'fri-mon' has range 5-1, which runs backwards"
        )
        #expect(ledgerError { _ = try CronExpression("*/0 * * * *") }?.code == .invalidValue)
        #expect(ledgerError { _ = try CronExpression("1,,2 * * * *") }?.code == .invalidValue)
        #expect(ledgerError { _ = try CronExpression("* * * foo *") }?.code == .invalidValue)
    }
}
