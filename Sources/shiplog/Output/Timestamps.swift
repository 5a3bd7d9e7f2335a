import Foundation

/// How times are shown: ISO 8601 UTC in JSON, a compact UTC form for people.
enum Timestamps {
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func display(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)).replacingOccurrences(of: "T", with: " ")
    }
}
