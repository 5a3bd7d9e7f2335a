import Foundation

/// Parses the three date formats RFC 9110 §5.6.7 requires recipients to accept in headers such
/// as `Retry-After`:
///
/// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (what servers send today)
/// - RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete)
/// - asctime: `Sun Nov  6 08:49:37 1994` (obsolete)
///
/// Hand-written rather than `DateFormatter`-based: it is small, independent of locale and safe
/// to call from any thread.
enum HTTPDate {
    /// The instant `text` names, or `nil` when it is not an HTTP-date.
    static func parse(_ text: String) -> Date? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let day: Int?
        let month: Int?
        var year: Int?
        let time: String
        switch fields.count {
        case 6 where fields[5] == "GMT":  // IMF-fixdate
            (day, month, year, time) = (Int(fields[1]), monthNumber(fields[2]), Int(fields[3]), fields[4])
        case 4 where fields[3] == "GMT":  // RFC 850: day-month-yy
            let date = fields[1].split(separator: "-").map(String.init)
            guard date.count == 3, date[2].count == 2, let shortYear = Int(date[2]) else { return nil }
            // RFC 9110: a two-digit year more than 50 years ahead means the previous century.
            (day, month, year, time) = (Int(date[0]), monthNumber(date[1]), 2000 + shortYear, fields[2])
            if let fullYear = year, fullYear > currentYear() + 50 { year = fullYear - 100 }
        case 5:  // asctime
            (day, month, year, time) = (Int(fields[2]), monthNumber(fields[1]), Int(fields[4]), fields[3])
        default:
            return nil
        }
        let clock = time.split(separator: ":").map { Int($0) }
        guard let day, let month, let year, clock.count == 3,
            let hour = clock[0], let minute = clock[1], let second = clock[2],
            (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(((days * 24 + hour) * 60 + minute) * 60 + second))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }

    private static func currentYear() -> Int {
        1970 + Int(Date().timeIntervalSince1970 / (365.2425 * 86_400))
    }

    /// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard Hinnant's
    /// `days_from_civil`.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
