/// Text taken from the ledger, made safe to print to a terminal.
///
/// Anyone who can append an event chooses its type, stream and payload, and reasons may hold
/// any printable character. Printed raw, an escape sequence could recolour or rewrite the
/// screen and a bidirectional override could make `deploy approved` read as something else,
/// so human output shows these characters as visible escapes instead. JSON output is exact
/// and needs none of this: the encoders escape control characters themselves.
enum TerminalText {
    /// `text` with control characters (C0, DEL, C1) written as `\x1b` and Unicode bidirectional
    /// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) as `\u{202E}`.
    /// Everything else, including other non-ASCII text, is kept as it is.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                result += "\\x" + hex(scalar.value, width: 2, uppercase: false)
            } else if scalar.properties.isBidiControl {
                result += "\\u{" + hex(scalar.value, width: 4, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.properties.isBidiControl
    }

    private static func hex(_ value: UInt32, width: Int, uppercase: Bool) -> String {
        let digits = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
