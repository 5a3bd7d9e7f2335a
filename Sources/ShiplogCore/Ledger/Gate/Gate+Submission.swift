import Foundation

extension Gate {
    /// Checks an approval when it is submitted, before it is recorded, and returns the person
    /// approving.
    ///
    /// Refused with the reason (`LedgerError` code `.approvalRefused`): an unknown or revoked
    /// key, a signature that does not verify, a statement naming another deploy, environment,
    /// service, version or artifact, a CI key, a Slack approval not signed by the bot or from
    /// an unknown Slack user. Whether the approval counts (environment, expiry, requester,
    /// duplicates) is left to the gate, which re-checks everything each time it is asked.
    public static func checkApprovalSubmission(
        statement: ApprovalStatement,
        signature: SignatureBytes,
        signerKeyID: SignerKeyID,
        via: ApprovalChannel,
        deploy: Deploy.State,
        approvers: ApproverRegistry.State,
        now: Date,
        verifier: some SignatureVerifier
    ) throws -> ActorName {
        guard let request = deploy.request else {
            throw LedgerError(.notFound, "unknown deploy \(statement.deployID): see shiplog history for deploy ids")
        }
        // The recorded name is only shown in messages for Slack approvals; resolve it first.
        var shownName = try ActorName("unknown")
        if case .slack(let evidence) = via,
            let person = approvers.approvers.last(where: { $0.slackUserID == evidence.userID })
        {
            shownName = person.name
        }
        let candidate = LedgerEvent.DeployApproved(
            deployID: request.deployID, approver: shownName, statement: statement, signature: signature,
            signerKeyID: signerKeyID, via: via, approvedAt: now)
        switch assess(candidate, request: request, approvers: approvers, now: now, verifier: verifier) {
        case .success(let person):
            return person.name
        case .failure(let problem):
            throw LedgerError(.approvalRefused, "approval refused: \(problem)")
        }
    }
}
