import ArgumentParser

/// Whole numbers as options take them: digits only, within the range the option allows.
///
/// Options that use it are declared with `parsing: .unconditional`, so that `--limit -5`
/// reaches this check instead of being taken for an option named `-5` ("Missing value").
enum WholeNumberArgument {
    /// ArgumentParser prints the message after "The value '-5' is invalid for '--limit <limit>': ",
    /// so it says only what to write instead.
    static func parse<Number: FixedWidthInteger>(_ text: String, in range: ClosedRange<Number>) throws -> Number {
        let wanted =
            range.upperBound == .max
            ? "must be a whole number of at least \(range.lowerBound)"
            : "must be a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ValidationError(wanted)
        }
        // All digits, yet not a Number: too many of them.
        guard let number = Number(text) else { throw ValidationError("\(wanted), at most \(range.upperBound)") }
        guard range.contains(number) else { throw ValidationError(wanted) }
        return number
    }

    static func parse<Number: FixedWidthInteger>(_ text: String, atLeast minimum: Number) throws -> Number {
        try parse(text, in: minimum ... .max)
    }
}
