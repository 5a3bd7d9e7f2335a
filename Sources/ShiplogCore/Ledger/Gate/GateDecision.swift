import Foundation

/// The gate's answer for one deploy at one instant.
///
/// `allowed`, `approvals`, `required` and `reasons` are the fields of `shiplog deploy gate --json`.
public struct GateDecision: Hashable, Sendable, Codable {
    /// True when the deploy may start now.
    public var allowed: Bool
    /// How many distinct people's approvals count.
    public var approvals: Int
    /// How many the policy requires.
    public var required: Int
    /// Every reason it may not start, in words; empty when allowed.
    public var reasons: [String]
    /// Who counted, in the order they approved.
    public var approvedBy: [ActorName]
    /// One verdict per recorded approval, in order.
    public var verdicts: [ApprovalVerdict]
    /// Set when an admin broke glass: approvals and freeze windows were passed.
    public var breakGlass: BreakGlass?

    public init(
        allowed: Bool, approvals: Int, required: Int, reasons: [String], approvedBy: [ActorName],
        verdicts: [ApprovalVerdict], breakGlass: BreakGlass?
    ) {
        self.allowed = allowed
        self.approvals = approvals
        self.required = required
        self.reasons = reasons
        self.approvedBy = approvedBy
        self.verdicts = verdicts
        self.breakGlass = breakGlass
    }
}
