import Foundation

/// A stream of the ledger: the unit of optimistic concurrency. Every event belongs to one.
///
/// | case | name |
/// |---|---|
/// | `.ledger` | `ledger` — the trust root: LedgerInitialized, AdminAdded |
/// | `.approvers` | `approvers` |
/// | `.tokens` | `tokens` — API tokens |
/// | `.policy(env)` | `policy-<environment>` |
/// | `.build(service, version)` | `build-<service>/<version>` — one recorded build (a version names one artifact) |
/// | `.migrations(env)` | `migrations-<environment>` |
/// | `.deploy(id)` | `deploy-<id>` (ids start with `d-`: `deploy-d-42`) |
/// | `.serviceEnvironment(env, service)` | `env-<environment>-<service>` — one service in one environment |
/// | `.environment(env)` | `env-<environment>` — the environment as a whole (environment-wide locks) |
/// | `.alarm(name)` | `alarm-<name>` |
/// | `.refusals(day)` | `refusals-<yyyy-mm-dd>` — what the Slack bot refused that UTC day |
///
/// Names are unambiguous because environments cannot contain `-`, nor services `/`.
public enum LedgerStream: Hashable, Sendable, Codable, CustomStringConvertible {
    case ledger
    case approvers
    case tokens
    case policy(Environment)
    case build(ServiceName, ServiceVersion)
    case migrations(Environment)
    case deploy(DeployID)
    case serviceEnvironment(Environment, ServiceName)
    case environment(Environment)
    case alarm(AlarmName)
    /// A UTC day, `yyyy-mm-dd`.
    case refusals(String)

    /// The stream's name in the event store.
    public var name: String {
        switch self {
        case .ledger: return "ledger"
        case .approvers: return "approvers"
        case .tokens: return "tokens"
        case .policy(let environment): return "policy-\(environment)"
        case .build(let service, let version): return "build-\(service)/\(version)"
        case .migrations(let environment): return "migrations-\(environment)"
        case .deploy(let id): return "deploy-\(id)"
        case .serviceEnvironment(let environment, let service): return "env-\(environment)-\(service)"
        case .environment(let environment): return "env-\(environment)"
        case .alarm(let name): return "alarm-\(name)"
        case .refusals(let day): return "refusals-\(day)"
        }
    }

    public var description: String { name }

    /// Parses a stream name back into its parts.
    public init(name: String) throws {
        func rest(after prefix: String) -> String? {
            name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
        }
        switch name {
        case "ledger": self = .ledger
        case "approvers": self = .approvers
        case "tokens": self = .tokens
        default:
            if let environment = rest(after: "policy-") {
                self = .policy(try Environment(environment))
            } else if let build = rest(after: "build-"), let slash = build.firstIndex(of: "/") {
                self = .build(
                    try ServiceName(String(build[..<slash])), try ServiceVersion(String(build[build.index(after: slash)...])))
            } else if let environment = rest(after: "migrations-") {
                self = .migrations(try Environment(environment))
            } else if let id = rest(after: "deploy-") {
                self = .deploy(try DeployID(id))
            } else if let day = rest(after: "refusals-"), day.count == 10, LedgerTime.parse(day) != nil {
                self = .refusals(day)
            } else if let alarm = rest(after: "alarm-") {
                self = .alarm(try AlarmName(alarm))
            } else if let pair = rest(after: "env-") {
                if let dash = pair.firstIndex(of: "-") {
                    self = .serviceEnvironment(
                        try Environment(String(pair[..<dash])),
                        try ServiceName(String(pair[pair.index(after: dash)...])))
                } else {
                    self = .environment(try Environment(pair))
                }
            } else {
                throw LedgerError(.invalidValue, "unknown stream name \(LedgerError.quoted(name))")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(name: try container.decode(String.self))
        } catch let error as LedgerError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
