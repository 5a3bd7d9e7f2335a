/// Where a deploy is or how it ended, as `shiplog history` prints it and `--outcome` takes it.
public enum HistoryOutcome: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case requested
    case started
    case succeeded
    case failed
    case rejected
    case cancelled
    case rollingBack = "rolling_back"
    case rolledBack = "rolled_back"
    case rollbackFailed = "rollback_failed"

    public var description: String { rawValue }

    /// True while the deploy holds its service's active slot.
    public var isInFlight: Bool { self == .requested || self == .started || self == .rollingBack }
}
