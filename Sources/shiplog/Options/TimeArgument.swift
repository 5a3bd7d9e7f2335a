import ArgumentParser
import Foundation

/// Points in time as people write them: an ISO 8601 date or time, or an age like 30d or 12h.
enum TimeArgument {
    static func parse(_ text: String, now: Date = Date()) throws -> Date {
        if let seconds = try? DurationArgument.seconds(text), text.last?.isLetter == true {
            return now.addingTimeInterval(-Double(seconds))
        }
        let formats: [Date.ISO8601FormatStyle] = [
            .init(includingFractionalSeconds: true), .init(), .init().year().month().day(),
        ]
        for format in formats {
            if let date = try? format.parse(text) { return date }
        }
        throw ValidationError("'\(text)' is not a time: write 2026-11-01, 2026-11-01T14:00:00Z, or an age like 30d or 12h")
    }
}
