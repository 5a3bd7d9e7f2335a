import Foundation

/// A time when the gate is closed for an environment (a freeze), written as one of:
///
/// - a 5-field cron expression in UTC (`* 16-23 * * 5`: Friday evenings): closed during every
///   minute it matches; see `CronExpression`;
/// - an absolute period `START/END` in RFC 3339 (`2026-12-20T00:00Z/2027-01-02T00:00Z`,
///   a bare date means midnight UTC): closed from START inclusive to END exclusive.
///
/// Encodes as the text it was written as.
public enum FreezeWindow: Hashable, Sendable, Codable, CustomStringConvertible {
    case cron(CronExpression)
    case period(start: Date, end: Date, source: String)

    /// Parses a freeze window as `shiplog policy set --freeze` takes it.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let halves = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        if halves.count == 2, !trimmed.contains(" "), halves[0].contains("-") {
            guard let start = LedgerTime.parse(String(halves[0])),
                let end = LedgerTime.parse(String(halves[1]))
            else {
                throw LedgerError(
                    .invalidValue,
                    "invalid freeze window \(LedgerError.quoted(text)): a period is START/END in RFC 3339, like 2026-12-20T00:00Z/2027-01-02T00:00Z"
                )
            }
            guard start < end else {
                throw LedgerError(
                    .invalidValue, "invalid freeze window \(LedgerError.quoted(text)): the end must be after the start")
            }
            self = .period(start: start, end: end, source: trimmed)
        } else {
            self = .cron(try CronExpression(trimmed))
        }
    }

    /// True when the gate is closed at `date`.
    public func contains(_ date: Date) -> Bool {
        switch self {
        case .cron(let expression): return expression.matches(date)
        case .period(let start, let end, _): return start <= date && date < end
        }
    }

    /// The window as written.
    public var description: String {
        switch self {
        case .cron(let expression): return expression.source
        case .period(_, _, let source): return source
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(try container.decode(String.self))
        } catch let error as LedgerError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
