import Foundation

/// How times are shown: ISO 8601 UTC with milliseconds in JSON, a compact UTC form for people.
public enum Timestamps {
    public static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func display(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)).replacingOccurrences(of: "T", with: " ")
    }

    /// Reads a time `iso8601` wrote (or one without fractional seconds), so that `iso8601`
    /// writes it back the same: half a microsecond is added, as the milliseconds parsed land
    /// just below themselves in binary as often as not.
    public static func parse(_ text: String) -> Date? {
        let date =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        return date?.addingTimeInterval(0.000_000_5)
    }
}
