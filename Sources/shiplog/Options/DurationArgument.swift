import ArgumentParser

/// Durations as people write them: 90s, 15m, 1h, 2d (a bare number is seconds).
enum DurationArgument {
    /// Longer than anything the ledger keeps or waits for, and short enough that a time this
    /// far back is still a date PostgreSQL and `LedgerTime` can hold.
    static let maximumDays = 36_500
    static let maximumSeconds = maximumDays * 86_400

    /// Messages follow ArgumentParser's "The value '…' is invalid for '--ttl <ttl>': ".
    /// `text` as written, once it reads as a duration: an option's transform, so a bad value is
    /// reported against its option and a good one kept for messages.
    static func checked(_ text: String) throws -> String {
        _ = try seconds(text)
        return text
    }

    static func seconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let scale = text.last.flatMap { units[$0] }
        let digits = scale == nil ? Substring(text) : text.dropLast()
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ValidationError("not a duration: write it like 90s, 15m, 1h or 2d")
        }
        // Digits that overflow Int are too long as well; checking before multiplying cannot trap.
        guard let value = Int(digits), value <= maximumSeconds / (scale ?? 1) else {
            throw ValidationError("longer than 100 years: write at most \(maximumDays)d")
        }
        guard value > 0 else {
            throw ValidationError("must be more than zero: write it like 90s, 15m, 1h or 2d")
        }
        return value * (scale ?? 1)
    }
}
