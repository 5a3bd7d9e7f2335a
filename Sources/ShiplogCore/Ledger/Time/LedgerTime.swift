import Foundation

/// How the ledger writes and reads time: always UTC, computed without time zones or locales.
///
/// - In event payloads: RFC 3339 with exactly six fractional digits,
///   `2026-11-22T14:05:00.000000Z` (microseconds, PostgreSQL's `timestamptz` precision;
///   a `Date` is rounded to the nearest microsecond).
/// - In approval statements and messages: whole seconds, `2026-11-22T14:05:00Z` (floored).
public enum LedgerTime {
    /// `2026-11-22T14:05:00.123456Z`: the payload form.
    public static func payloadString(_ date: Date) -> String {
        let micros = microseconds(date)
        let civil = CivilTime(epochSeconds: floorDiv(micros, 1_000_000))
        let fraction = floorMod(micros, 1_000_000)
        return civil.secondsText + "." + pad(fraction, 6) + "Z"
    }

    /// `2026-11-22T14:05:00Z`: whole seconds, floored.
    public static func secondsString(_ date: Date) -> String {
        CivilTime(epochSeconds: floorDiv(microseconds(date), 1_000_000)).secondsText + "Z"
    }

    /// `2026-11-22`: the UTC day, as day-partitioned stream names take it.
    public static func day(_ date: Date) -> String {
        String(secondsString(date).prefix(10))
    }

    /// `date` as a payload holds it: rounded to the microsecond, so it survives a trip
    /// through JSON unchanged.
    public static func truncatedToMicroseconds(_ date: Date) -> Date {
        parse(payloadString(date)) ?? date
    }

    /// `date` floored to a whole second.
    public static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(floorDiv(microseconds(date), 1_000_000)))
    }

    /// Parses RFC 3339 / ISO 8601 time in UTC or with an offset: `2026-12-20`,
    /// `2026-12-20T00:00Z`, `2026-12-20T00:00:00Z`, `2026-12-20T00:00:00.5+01:00`.
    /// A bare date means midnight UTC. Returns nil for anything else.
    public static func parse(_ text: String) -> Date? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(4), scanner.take("-"), let month = scanner.number(2),
            scanner.take("-"), let day = scanner.number(2),
            (1...12).contains(month), (1...CivilTime.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = CivilTime.daysFromCivil(year: year, month: month, day: day) * 86_400
        var micros: Int64 = 0
        if scanner.atEnd { return date(seconds: seconds, micros: 0) }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" "),
            let hour = scanner.number(2), scanner.take(":"), let minute = scanner.number(2),
            hour < 24, minute < 60
        else { return nil }
        seconds += Int64(hour * 3600 + minute * 60)
        if scanner.take(":") {
            guard let second = scanner.number(2), second < 60 else { return nil }
            seconds += Int64(second)
            if scanner.take(".") {
                var digits = 0
                var value: Int64 = 0
                while let digit = scanner.digit() {
                    if digits < 6 { value = value * 10 + Int64(digit) }
                    digits += 1
                }
                guard digits > 0, digits <= 9 else { return nil }
                for _ in min(digits, 6)..<6 { value *= 10 }
                micros = value
            }
        }
        if scanner.take("Z") || scanner.take("z") {
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(2), scanner.take(":"),
                let offsetMinutes = scanner.number(2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            seconds -= Int64(sign * (offsetHours * 3600 + offsetMinutes * 60))
        } else {
            return nil
        }
        return scanner.atEnd ? date(seconds: seconds, micros: micros) : nil
    }

    /// `date` as whole microseconds since 1970, rounded.
    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    private static func date(seconds: Int64, micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(seconds * 1_000_000 + micros) / 1_000_000)
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

private func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

/// A UTC calendar reading of a second since 1970 (proleptic Gregorian), computed with
/// Howard Hinnant's civil-date algorithms so no Calendar or TimeZone is involved.
struct CivilTime: Equatable, Sendable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// 0 = Sunday ... 6 = Saturday, as cron counts.
    var weekday: Int

    init(epochSeconds: Int64) {
        let days = floorDiv(epochSeconds, 86_400)
        let secondOfDay = Int(epochSeconds - days * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        weekday = Int(floorMod(days + 4, 7))  // 1970-01-01 was a Thursday
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    init(_ date: Date) {
        self.init(epochSeconds: floorDiv(LedgerTime.microseconds(date), 1_000_000))
    }

    /// `2026-11-22T14:05:00`, without a zone designator.
    var secondsText: String {
        LedgerTime.pad(Int64(year), 4) + "-" + LedgerTime.pad(Int64(month), 2) + "-"
            + LedgerTime.pad(Int64(day), 2) + "T" + LedgerTime.pad(Int64(hour), 2) + ":"
            + LedgerTime.pad(Int64(minute), 2) + ":" + LedgerTime.pad(Int64(second), 2)
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Reads fixed-width digits and single characters from ASCII bytes.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func digit() -> Int? {
        guard index < bytes.count, NameRule.isDigit(bytes[index]) else { return nil }
        defer { index += 1 }
        return Int(bytes[index] - 0x30)
    }

    mutating func number(_ width: Int) -> Int? {
        var value = 0
        for _ in 0..<width {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
