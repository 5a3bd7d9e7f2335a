import Foundation

/// A standard 5-field cron expression, read in UTC: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from `a` to the
/// field's maximum), or a comma-separated list of those. Months may be written `jan`..`dec`,
/// days of the week `sun`..`sat` (case-insensitive); day-of-week 0 and 7 are both Sunday.
/// Ranges do not wrap (`fri-mon` is refused: write `fri-sat,sun-mon`).
///
/// As in Vixie cron, when both day-of-month and day-of-week are restricted (neither starts with
/// `*`), a day matches if either matches; otherwise both must.
///
/// `matches(_:)` is true for every instant within a matching minute: as a freeze window,
/// `* 16-23 * * 5` closes the gate on Fridays from 16:00:00 to 23:59:59 UTC.
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    private let minutes: UInt64
    private let hours: UInt64
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    private struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        let namesStart: Int
    }

    private static let fields = [
        Field(name: "minute", range: 0...59, names: [], namesStart: 0),
        Field(name: "hour", range: 0...23, names: [], namesStart: 0),
        Field(name: "day-of-month", range: 1...31, names: [], namesStart: 0),
        Field(
            name: "month", range: 1...12,
            names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
            namesStart: 1),
        Field(
            name: "day-of-week", range: 0...7,
            names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], namesStart: 0),
    ]

    public init(_ text: String) throws {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw LedgerError(
                .invalidValue,
                "invalid cron expression \(LedgerError.quoted(text)): expected 5 fields (minute hour day-of-month month day-of-week), got \(parts.count)"
            )
        }
        var sets: [UInt64] = []
        for (part, field) in zip(parts, Self.fields) {
            sets.append(try Self.parse(part, field: field, expression: text))
        }
        source = parts.joined(separator: " ")
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        // Sunday may be written 7; fold it onto 0.
        daysOfWeek = (sets[4] & ~(1 << 7)) | (sets[4] & (1 << 7) != 0 ? 1 : 0)
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")
    }

    public var description: String { source }

    /// True when the UTC minute containing `date` matches.
    public func matches(_ date: Date) -> Bool {
        let time = CivilTime(date)
        guard Self.has(minutes, time.minute), Self.has(hours, time.hour),
            Self.has(months, time.month)
        else { return false }
        let dayOfMonth = Self.has(daysOfMonth, time.day)
        let dayOfWeek = Self.has(daysOfWeek, time.weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }

    private static func has(_ set: UInt64, _ value: Int) -> Bool { set & (1 << UInt64(value)) != 0 }

    private static func parse(_ part: String, field: Field, expression: String) throws -> UInt64 {
        func fail(_ why: String) -> LedgerError {
            LedgerError(
                .invalidValue,
                "invalid cron expression \(LedgerError.quoted(expression)): \(field.name) field \(LedgerError.quoted(part)) \(why)"
            )
        }
        func value(_ text: Substring) throws -> Int {
            if let number = Int(text) {
                guard field.range.contains(number) else {
                    throw fail("has \(number) outside \(field.range.lowerBound)-\(field.range.upperBound)")
                }
                return number
            }
            if let index = field.names.firstIndex(of: text.lowercased()) {
                return index + field.namesStart
            }
            throw fail(
                "has \(LedgerError.quoted(String(text))), which is not a number\(field.names.isEmpty ? "" : " or a name")"
            )
        }
        var set: UInt64 = 0
        for item in part.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("has an empty list item") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("has more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw fail("has step \(LedgerError.quoted(String(pieces[1]))); a step is a number above 0")
                }
                step = parsed
            }
            let base = pieces[0]
            var low: Int
            var high: Int
            if base == "*" {
                low = field.range.lowerBound
                high = field.range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash])
                high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw fail("has range \(low)-\(high), which runs backwards") }
            } else {
                low = try value(base)
                high = pieces.count == 2 ? field.range.upperBound : low
            }
            for number in stride(from: low, through: high, by: step) { set |= 1 << UInt64(number) }
        }
        return set
    }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
