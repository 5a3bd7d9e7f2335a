import Foundation

/// The rules of one environment's gate, set by an admin with `shiplog policy set`.
///
/// An environment exists for Shiplog once it has a policy: requesting, locking or gating a
/// deploy to an environment without one is refused ("unknown environment"), so a typo such as
/// `--env prdo` never slips through with lax defaults. The defaults below are those of a
/// production environment: self-approval off, auto-rollback on, approvals valid one hour.
public struct EnvironmentPolicy: Hashable, Sendable, Codable {
    /// Distinct people whose valid approvals are needed (0 lets any requested deploy start).
    public var approvalsRequired: Int
    /// How long an approval counts after it is given, in seconds (also caps the statement's expiry).
    public var approvalTTLSeconds: Int
    /// Whether the requester's own approval may count. Off by default.
    public var allowSelfApproval: Bool
    /// Whether at least one counted approval must be signed with a person's own key (CLI),
    /// not by the Slack bot on their behalf.
    public var requirePersonalKey: Bool
    /// When the gate is closed regardless of approvals (break-glass passes).
    public var freezeWindows: [FreezeWindow]
    /// Whether an alarm after a deploy rolls the service back without asking.
    public var autoRollback: Bool
    /// A deploy may not start while a migration recorded as failed on the environment (for its
    /// service, or for no service in particular) has not been recorded applied since. Off in
    /// policies set before it existed, so their history is judged as it was decided.
    public var requireMigrations: Bool

    /// One hour.
    public static let defaultApprovalTTLSeconds = 3600
    public static let approvalsRange = 0...20
    public static let approvalTTLRange = 60...(30 * 86_400)

    public init(
        approvalsRequired: Int,
        approvalTTLSeconds: Int = EnvironmentPolicy.defaultApprovalTTLSeconds,
        allowSelfApproval: Bool = false,
        requirePersonalKey: Bool = false,
        freezeWindows: [FreezeWindow] = [],
        autoRollback: Bool = true,
        requireMigrations: Bool = false
    ) {
        self.approvalsRequired = approvalsRequired
        self.approvalTTLSeconds = approvalTTLSeconds
        self.allowSelfApproval = allowSelfApproval
        self.requirePersonalKey = requirePersonalKey
        self.freezeWindows = freezeWindows
        self.autoRollback = autoRollback
        self.requireMigrations = requireMigrations
    }

    /// The approval lifetime as a time interval.
    public var approvalTTL: TimeInterval { TimeInterval(approvalTTLSeconds) }

    /// Throws when a number is out of range.
    public func validate() throws {
        guard Self.approvalsRange.contains(approvalsRequired) else {
            throw LedgerError(
                .invalidValue,
                "approvals required must be between \(Self.approvalsRange.lowerBound) and \(Self.approvalsRange.upperBound), got \(approvalsRequired)"
            )
        }
        guard Self.approvalTTLRange.contains(approvalTTLSeconds) else {
            throw LedgerError(
                .invalidValue,
                "approval lifetime must be between 1 minute and 30 days, got \(approvalTTLSeconds) seconds")
        }
    }

    /// The first freeze window that contains `date`, if any.
    public func freezeWindow(at date: Date) -> FreezeWindow? {
        freezeWindows.first { $0.contains(date) }
    }

    private enum CodingKeys: String, CodingKey {
        case approvalsRequired, approvalTTLSeconds, allowSelfApproval, requirePersonalKey,
            freezeWindows, autoRollback, requireMigrations
    }

    /// Missing fields take their defaults, so older PolicySet events keep decoding.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            approvalsRequired: try container.decode(Int.self, forKey: .approvalsRequired),
            approvalTTLSeconds: try container.decodeIfPresent(Int.self, forKey: .approvalTTLSeconds)
                ?? Self.defaultApprovalTTLSeconds,
            allowSelfApproval: try container.decodeIfPresent(Bool.self, forKey: .allowSelfApproval) ?? false,
            requirePersonalKey: try container.decodeIfPresent(Bool.self, forKey: .requirePersonalKey) ?? false,
            freezeWindows: try container.decodeIfPresent([FreezeWindow].self, forKey: .freezeWindows) ?? [],
            autoRollback: try container.decodeIfPresent(Bool.self, forKey: .autoRollback) ?? true,
            requireMigrations: try container.decodeIfPresent(Bool.self, forKey: .requireMigrations) ?? false)
    }

    /// `requireMigrations` is written only when on: a policy without it encodes as before.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(approvalsRequired, forKey: .approvalsRequired)
        try container.encode(approvalTTLSeconds, forKey: .approvalTTLSeconds)
        try container.encode(allowSelfApproval, forKey: .allowSelfApproval)
        try container.encode(requirePersonalKey, forKey: .requirePersonalKey)
        try container.encode(freezeWindows, forKey: .freezeWindows)
        try container.encode(autoRollback, forKey: .autoRollback)
        if requireMigrations { try container.encode(requireMigrations, forKey: .requireMigrations) }
    }
}
