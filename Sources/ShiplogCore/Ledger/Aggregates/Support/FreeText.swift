import Foundation

/// Checks the free text people type into commands: reasons, commits, labels.
enum FreeText {
    static let maxLength = 1000

    /// A required one-line text, trimmed.
    static func required(_ text: String, what: String) throws -> String {
        guard let value = try optional(text, what: what) else {
            throw LedgerError(.invalidValue, "\(what) must not be empty")
        }
        return value
    }

    /// An optional one-line text, trimmed; empty becomes nil.
    static func optional(_ text: String?, what: String) throws -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.count <= maxLength else {
            throw LedgerError(.invalidValue, "\(what) is too long: at most \(maxLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw LedgerError(.invalidValue, "\(what) must be one line of text, without control characters")
        }
        return trimmed
    }

    /// An optional identifier-like text without spaces (a commit, an ARN), trimmed.
    static func token(_ text: String?, what: String, maxLength: Int = 2048) throws -> String? {
        guard let value = try optional(text, what: what) else { return nil }
        guard value.count <= maxLength, !value.contains(where: \.isWhitespace) else {
            throw LedgerError(.invalidValue, "\(what) must be at most \(maxLength) characters without spaces")
        }
        return value
    }
}
