import Foundation

/// The gate's verdict on one recorded approval: counted, or why not.
public struct ApprovalVerdict: Hashable, Sendable, Codable {
    /// The person as recorded with the approval.
    public var approver: ActorName
    public var signerKeyID: SignerKeyID
    public var via: ApprovalChannel
    public var approvedAt: Date
    public var counted: Bool
    /// Why it does not count; nil when counted.
    public var problem: ApprovalProblem?

    public init(
        approver: ActorName, signerKeyID: SignerKeyID, via: ApprovalChannel, approvedAt: Date, counted: Bool,
        problem: ApprovalProblem?
    ) {
        self.approver = approver
        self.signerKeyID = signerKeyID
        self.via = via
        self.approvedAt = approvedAt
        self.counted = counted
        self.problem = problem
    }

    /// The problem as a sentence, nil when counted.
    public var reason: String? { problem?.description }
}
