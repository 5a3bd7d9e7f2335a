import Foundation

/// What someone typed after `/shiplog`, parsed; names are checked by the ledger, not here.
///
///     deploy SERVICE VERSION to ENV [reason]    approve ID          reject ID REASON
///     cancel ID                                 status [ENV]        history [ENV] [SERVICE]
///     show ID                                   lock ENV [SERVICE] REASON
///     unlock ENV [SERVICE]                      help
public enum SlashCommand: Hashable, Sendable {
    case deploy(service: String, version: String, environment: String, reason: String?)
    case approve(id: String)
    case reject(id: String, reason: String)
    case cancel(id: String)
    case status(environment: String?)
    case history(environment: String?, service: String?)
    case show(id: String)
    /// `words` is `[SERVICE] REASON`: whether the first word names a service there is the
    /// ledger's to say (`lock prod web flaky tests` locks web; `lock prod incident 42` all of prod).
    case lock(environment: String, words: [String])
    case unlock(environment: String, service: String?)
    /// Carry out an approved deploy on ECS.
    case run(id: String)
    /// Roll `service` on `environment` back to what ran before its last deploy.
    case rollback(service: String, environment: String, reason: String)
    case help

    /// The deploy id the command names, if any.
    public var deployID: String? {
        switch self {
        case .approve(let id), .reject(let id, _), .cancel(let id), .show(let id), .run(let id): id
        default: nil
        }
    }

    /// Every verb with its usage, in the order `help` lists them.
    public static let usages: [(verb: String, usage: String)] = [
        ("deploy", "/shiplog deploy SERVICE VERSION to ENV [reason]"),
        ("approve", "/shiplog approve ID"),
        ("reject", "/shiplog reject ID REASON"),
        ("cancel", "/shiplog cancel ID"),
        ("status", "/shiplog status [ENV]"),
        ("history", "/shiplog history [ENV] [SERVICE]"),
        ("show", "/shiplog show ID"),
        ("lock", "/shiplog lock ENV [SERVICE] REASON"),
        ("unlock", "/shiplog unlock ENV [SERVICE]"),
        ("run", "/shiplog run ID"),
        ("rollback", "/shiplog rollback SERVICE ENV REASON"),
        ("help", "/shiplog help"),
    ]

    /// Parses the `text` field of a slash command.
    public static func parse(_ text: String) throws(SlashCommandError) -> SlashCommand {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let verb = words.first?.lowercased() else { return .help }
        let rest = Array(words.dropFirst())
        func usage() -> SlashCommandError {
            SlashCommandError(verb: verb, message: "usage: \(usages.first { $0.verb == verb }!.usage)")
        }
        func joined(_ words: ArraySlice<String>) -> String? { words.isEmpty ? nil : words.joined(separator: " ") }
        switch verb {
        case "deploy":
            guard rest.count >= 4, rest[2].lowercased() == "to" else { throw usage() }
            return .deploy(service: rest[0], version: rest[1], environment: rest[3], reason: joined(rest[4...]))
        case "approve":
            guard rest.count == 1 else { throw usage() }
            return .approve(id: rest[0])
        case "reject":
            guard rest.count >= 2 else { throw usage() }
            return .reject(id: rest[0], reason: rest[1...].joined(separator: " "))
        case "cancel":
            guard rest.count == 1 else { throw usage() }
            return .cancel(id: rest[0])
        case "status":
            guard rest.count <= 1 else { throw usage() }
            return .status(environment: rest.first)
        case "history":
            guard rest.count <= 2 else { throw usage() }
            return .history(environment: rest.first, service: rest.count > 1 ? rest[1] : nil)
        case "show":
            guard rest.count == 1 else { throw usage() }
            return .show(id: rest[0])
        case "lock":
            guard rest.count >= 2 else { throw usage() }
            return .lock(environment: rest[0], words: Array(rest[1...]))
        case "unlock":
            guard (1...2).contains(rest.count) else { throw usage() }
            return .unlock(environment: rest[0], service: rest.count > 1 ? rest[1] : nil)
        case "run":
            guard rest.count == 1 else { throw usage() }
            return .run(id: rest[0])
        case "rollback":
            guard rest.count >= 3 else { throw usage() }
            return .rollback(service: rest[0], environment: rest[1], reason: rest[2...].joined(separator: " "))
        case "help":
            return .help
        default:
            let nearest = usages.min { distance($0.verb, verb) < distance($1.verb, verb) }!
            let hint = distance(nearest.verb, verb) <= 2 ? "did you mean \(nearest.verb)? usage: \(nearest.usage)" : "try /shiplog help"
            throw SlashCommandError(verb: verb, message: "unknown command '\(verb)': \(hint)")
        }
    }

    /// The help text: every verb's usage.
    public static var helpText: String {
        "Shiplog: deploys, approvals, locks and rollbacks.\n" + usages.map { "• `\($0.usage)`" }.joined(separator: "\n")
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// A slash command that could not be parsed: the reply says what to type instead.
public struct SlashCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    public var verb: String
    public var message: String

    public var description: String { message }
}
