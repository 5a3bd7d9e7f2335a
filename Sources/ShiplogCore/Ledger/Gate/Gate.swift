import Foundation

/// Whether a deploy may start, decided from the deploy's own stream (never a projection that
/// may lag), the enrolled keys, the environment's policy and its locks, at `now`.
///
/// An approval counts only if all of these hold, checked in this order (the first failure is
/// its reason):
/// 1. its key is enrolled, and the statement names that key as signer;
/// 2. the signature verifies over the statement's canonical bytes with the enrolled public key;
/// 3. the statement names this deploy exactly: id, environment, service, version, artifact digest;
/// 4. the signing key is not revoked at `now` (revoked before now: not counted) and is a
///    person's key (`.cli`), or the Slack bot's key for an approval `.slack(evidence)` whose
///    Slack user is an enrolled, unrevoked person;
/// 5. that person may approve this environment;
/// 6. it has not expired: the earlier of the statement's `expiresAt` and approval time plus
///    the policy's approval lifetime is after `now`;
/// 7. the person is not the requester, unless the policy allows self-approval;
/// 8. the person has not already been counted.
///
/// The gate is open when enough approvals count (and, with `requirePersonalKey`, at least
/// one came through the CLI), no lock applies, no freeze window contains `now` and, with
/// `requireMigrations`, no migration of the environment for this service (or for none in
/// particular) stands failed. Break-glass passes approvals, freeze windows and failed
/// migrations, never a lock.
public enum Gate {
    public static func evaluate(
        deploy: Deploy.State,
        approvers: ApproverRegistry.State,
        policy: EnvironmentPolicy?,
        locks: [EnvironmentLock],
        now: Date,
        verifier: some SignatureVerifier,
        breakGlass: BreakGlass? = nil,
        migrations: MigrationLog.State? = nil
    ) -> GateDecision {
        guard let request = deploy.request, let status = deploy.status else {
            return GateDecision(
                allowed: false, approvals: 0, required: policy?.approvalsRequired ?? 0,
                reasons: ["unknown deploy: nothing has been requested on this stream"], approvedBy: [], verdicts: [],
                breakGlass: breakGlass)
        }
        var reasons: [String] = []
        if status != .requested {
            reasons.append("deploy \(request.deployID) \(status.phrase); only a requested deploy can start")
        }
        guard let policy else {
            reasons.append(PolicyRecord.unknownEnvironment(request.environment).message)
            return GateDecision(
                allowed: false, approvals: 0, required: 0, reasons: reasons, approvedBy: [], verdicts: [],
                breakGlass: breakGlass)
        }

        var counted: [(name: ActorName, personal: Bool)] = []
        var verdicts: [ApprovalVerdict] = []
        for approval in deploy.approvals {
            var outcome = assess(approval, request: request, approvers: approvers, now: now, verifier: verifier)
            if case .success(let person) = outcome {
                if let problem = countingProblem(
                    person: person, approval: approval, request: request, policy: policy, now: now)
                {
                    outcome = .failure(problem)
                } else if counted.contains(where: { $0.name == person.name }) {
                    outcome = .failure(.duplicate(approver: person.name.rawValue))
                }
            }
            switch outcome {
            case .success(let person):
                counted.append((person.name, approval.via.isPersonalKey))
                verdicts.append(verdict(approval, problem: nil))
            case .failure(let problem):
                verdicts.append(verdict(approval, problem: problem))
            }
        }

        let required = policy.approvalsRequired
        if breakGlass == nil {
            var approvalReasons: [String] = []
            if counted.count < required {
                let names = counted.isEmpty ? "" : " (" + counted.map(\.name.rawValue).joined(separator: ", ") + ")"
                approvalReasons.append(
                    "needs \(required) approval\(required == 1 ? "" : "s"), has \(counted.count) of \(required)\(names)"
                )
            }
            if policy.requirePersonalKey && !counted.contains(where: \.personal) {
                approvalReasons.append(
                    "\(request.environment) needs at least one approval signed with a personal key (shiplog deploy approve), not through Slack"
                )
            }
            if !approvalReasons.isEmpty {
                reasons += approvalReasons
                reasons += verdicts.compactMap(\.reason)
            }
        }
        for lock in locks where lock.applies(to: request.service, in: request.environment) {
            reasons.append(lock.description)
        }
        if breakGlass == nil, let window = policy.freezeWindow(at: now) {
            reasons.append("\(request.environment) is in a freeze window (\(window))")
        }
        if breakGlass == nil, policy.requireMigrations, let migrations {
            for failed in migrations.standingFailures(for: request.service) {
                reasons.append(
                    "migration \(failed.name) failed on \(request.environment) at \(LedgerTime.secondsString(failed.failedAt))"
                        + (failed.error.map { " (\($0))" } ?? "")
                        + ": fix it and record it applied (shiplog migration record) before deploying")
            }
        }
        return GateDecision(
            allowed: reasons.isEmpty, approvals: counted.count, required: required, reasons: reasons,
            approvedBy: counted.map(\.name), verdicts: verdicts, breakGlass: breakGlass)
    }

    /// Checks 1–4 of the type's list: the key, the signature, the statement, and who the
    /// approving person is. Shared with submission.
    static func assess(
        _ approval: LedgerEvent.DeployApproved, request: LedgerEvent.DeployRequested,
        approvers: ApproverRegistry.State, now: Date, verifier: some SignatureVerifier
    ) -> Result<Approver, ApprovalProblem> {
        let statement = approval.statement
        guard let signer = approvers.approver(keyID: approval.signerKeyID) else {
            return .failure(.unknownKey(approval.signerKeyID))
        }
        guard statement.signer == approval.signerKeyID else {
            return .failure(.signerMismatch(statement: statement.signer, submitted: approval.signerKeyID))
        }
        let shownName: String
        switch approval.via {
        case .cli: shownName = signer.name.rawValue
        case .slack: shownName = approval.approver.rawValue
        }
        guard
            verifier.isValid(
                signature: approval.signature.bytes, message: statement.canonicalBytes,
                publicKey: signer.publicKey.bytes)
        else {
            return .failure(.badSignature(approver: shownName))
        }
        let differences = statement.differences(from: request)
        guard differences.isEmpty else {
            return .failure(.doesNotMatch(approver: shownName, fields: differences))
        }
        if let revokedAt = signer.revokedAt, revokedAt <= now {
            return .failure(.keyRevoked(approver: signer.name.rawValue, at: revokedAt))
        }
        switch approval.via {
        case .cli:
            switch signer.kind {
            case .person: return .success(signer)
            case .ci: return .failure(.ciKey(approver: signer.name.rawValue))
            case .slackBot:
                return .failure(
                    .wrongChannel(
                        approver: signer.name.rawValue,
                        detail: "is signed by the Slack bot key but carries no Slack evidence"))
            }
        case .slack(let evidence):
            guard signer.kind == .slackBot else {
                return .failure(
                    .wrongChannel(
                        approver: shownName, detail: "came through Slack but is not signed by the Slack bot key"))
            }
            guard let person = approvers.activeApprover(slackUserID: evidence.userID, at: now) else {
                if let former = approvers.approvers.last(where: { $0.slackUserID == evidence.userID }),
                    let revokedAt = former.revokedAt
                {
                    return .failure(.keyRevoked(approver: former.name.rawValue, at: revokedAt))
                }
                return .failure(.unknownSlackUser(evidence.userID))
            }
            guard person.kind == .person else { return .failure(.ciKey(approver: person.name.rawValue)) }
            return .success(person)
        }
    }

    /// Checks 5–7 of the type's list, for an approval whose person is known.
    static func countingProblem(
        person: Approver, approval: LedgerEvent.DeployApproved, request: LedgerEvent.DeployRequested,
        policy: EnvironmentPolicy, now: Date
    ) -> ApprovalProblem? {
        let name = person.name.rawValue
        guard person.mayApprove(request.environment) else {
            return .environmentNotAllowed(
                approver: name, environment: request.environment, allowed: person.environments)
        }
        let expiry = min(approval.statement.expiresAt, approval.approvedAt.addingTimeInterval(policy.approvalTTL))
        guard now < expiry else { return .expired(approver: name, at: expiry) }
        if person.name == request.requestedBy.name && !policy.allowSelfApproval {
            return .requester(approver: name)
        }
        return nil
    }

    private static func verdict(_ approval: LedgerEvent.DeployApproved, problem: ApprovalProblem?) -> ApprovalVerdict {
        ApprovalVerdict(
            approver: approval.approver, signerKeyID: approval.signerKeyID, via: approval.via,
            approvedAt: approval.approvedAt, counted: problem == nil, problem: problem)
    }
}
