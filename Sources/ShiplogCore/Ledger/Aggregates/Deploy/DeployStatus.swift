import Foundation

/// Where a deploy is in its life.
///
/// ```
/// requested ──start──▶ started ──▶ succeeded ──rollback──▶ rolling back ──▶ rolled back
///    │  ╲                  ╲──────▶ failed ──────rollback──╯         ╲────▶ rollback failed
///    │   ╲──reject──▶ rejected
///    ╲──cancel──▶ cancelled
/// ```
///
/// "Approved" is not a status: whether a requested deploy may start is the gate's answer,
/// recomputed each time, because approvals expire and keys are revoked.
public enum DeployStatus: String, Hashable, Sendable, Codable, CustomStringConvertible {
    case requested
    case rejected
    case cancelled
    case started
    case succeeded
    case failed
    case rollingBack
    case rolledBack
    case rollbackFailed

    public var description: String {
        switch self {
        case .rollingBack: return "rolling back"
        case .rolledBack: return "rolled back"
        case .rollbackFailed: return "rollback failed"
        default: return rawValue
        }
    }

    /// True while the deploy holds its service's active slot.
    public var isActive: Bool { self == .requested || self == .started || self == .rollingBack }

    /// "is already succeeded", "is requested and has not started", for error messages.
    var phrase: String {
        switch self {
        case .requested: return "is requested and has not started"
        case .rollbackFailed: return "already failed to roll back"
        default: return "is already \(description)"
        }
    }
}
