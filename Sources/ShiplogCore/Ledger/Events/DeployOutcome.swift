import Foundation

/// How an active deploy ended, as recorded on `env-<env>-<service>`.
public enum DeployOutcome: String, Hashable, Sendable, Codable, CustomStringConvertible {
    case succeeded
    case failed
    case cancelled
    case rejected
    case rolledBack
    case rollbackFailed

    public var description: String {
        switch self {
        case .rolledBack: return "rolled back"
        case .rollbackFailed: return "rollback failed"
        default: return rawValue
        }
    }
}
