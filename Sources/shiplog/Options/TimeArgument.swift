import ArgumentParser
import Foundation
import ShiplogCore

/// Points in time as people write them: an ISO 8601 date or time, or an age like 30d or 12h.
enum TimeArgument {
    /// The times a ledger can hold: nothing was recorded before 1970, and years have four digits.
    static let range = Date(timeIntervalSince1970: 0)..<Date(timeIntervalSince1970: 253_402_300_800)  // 10000-01-01

    /// Messages follow ArgumentParser's "The value '…' is invalid for '--since <since>': ".
    static func parse(_ text: String, now: Date = Date()) throws -> Date {
        if isAge(text) {
            return now.addingTimeInterval(-Double(try DurationArgument.seconds(text)))
        }
        // LedgerTime checks each field's range, so 2026-02-30 and T25:00 are refused, not rolled over.
        guard let date = LedgerTime.parse(text) else {
            throw ValidationError(
                "not a time: write a real date or UTC time such as 2026-11-01 or 2026-11-01T14:00:00Z, or an age like 30d or 12h"
            )
        }
        guard range.contains(date) else {
            throw ValidationError("outside the years 1970 to 9999: write a date in that range, or an age like 30d")
        }
        return date
    }

    /// Digits and one unit letter: 30d, 12h, 15m, 90s.
    private static func isAge(_ text: String) -> Bool {
        guard let unit = text.last, "smhd".contains(unit) else { return false }
        let digits = text.dropLast()
        return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
