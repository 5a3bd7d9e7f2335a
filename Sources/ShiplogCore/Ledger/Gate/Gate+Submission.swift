import Foundation

extension Gate {
    /// Checks an approval when it is submitted, before it is recorded, and returns the person
    /// approving.
    ///
    /// Refused with the reason (`LedgerError` code `.approvalRefused`): an unknown or revoked
    /// key, a signature that does not verify, a statement naming another deploy, environment,
    /// service, version or artifact, a CI key, a Slack approval not signed by the bot or from
    /// an unknown Slack user; and an approval that could not count: a person not allowed for
    /// the environment, the requester (unless the policy allows it), a statement already
    /// expired, or a person whose approval already counts. The gate still re-checks every
    /// approval each time it is asked, because approvals expire and keys are revoked.
    public static func checkApprovalSubmission(
        statement: ApprovalStatement,
        signature: SignatureBytes,
        signerKeyID: SignerKeyID,
        via: ApprovalChannel,
        deploy: Deploy.State,
        approvers: ApproverRegistry.State,
        policy: EnvironmentPolicy,
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
            if let problem = countingProblem(
                person: person, approval: candidate, request: request, policy: policy, now: now)
            {
                throw LedgerError(.approvalRefused, "approval refused: \(problem)")
            }
            let counted = evaluate(
                deploy: deploy, approvers: approvers, policy: policy, locks: [], now: now, verifier: verifier
            ).approvedBy
            if counted.contains(person.name) {
                throw LedgerError(
                    .approvalRefused, "approval refused: \(ApprovalProblem.duplicate(approver: person.name.rawValue))")
            }
            return person.name
        case .failure(let problem):
            throw LedgerError(.approvalRefused, "approval refused: \(problem)")
        }
    }
}
