import Foundation
import Testing

@testable import ShiplogCore

/// Every gate refusal the issue lists, each with its reason, plus the rules around them.
@Suite struct GateTests {
    /// A story with d-42 requested by carol.
    func requested(_ policy: EnvironmentPolicy = EnvironmentPolicy(approvalsRequired: 2)) throws -> Story {
        var story = try Story(prodPolicy: policy)
        try story.request("d-42", by: story.carol)
        story.advance(60)
        return story
    }

    @Test func wrongArtifactDigestDoesNotCountAndIsRefusedAtSubmission() throws {
        var story = try requested()
        var statement = story.statement(for: "d-42", signer: story.erin)
        statement.artifact = digest("c")
        let signature = story.erin.sign(statement)

        let refused = ledgerError {
            try story.run(
                .approve(deployID: deployID("d-42"), statement: statement, signature: signature, via: .cli), on: "d-42")
        }
        #expect(refused?.code == .approvalRefused)
        #expect(
            refused?.message == "approval refused: approval by erin does not match this deploy: artifact digest differs"
        )

        story.recordApprovalDirectly("d-42", approver: story.erin, statement: statement, signature: signature)
        let gate = story.gate("d-42")
        #expect(gate.approvals == 0)
        #expect(gate.reasons.contains("approval by erin does not match this deploy: artifact digest differs"))
    }

    @Test func statementForAnotherDeployIsNamedFieldByField() throws {
        var story = try requested()
        var statement = story.statement(for: "d-42", signer: story.erin)
        statement.deployID = deployID("d-41")
        statement.version = version("1.2.2")
        let refused = ledgerError {
            try story.run(
                .approve(
                    deployID: deployID("d-42"), statement: statement, signature: story.erin.sign(statement), via: .cli),
                on: "d-42")
        }
        #expect(
            refused?.message
                == "approval refused: approval by erin does not match this deploy: deploy id and version differ")
    }

    @Test func expiredApprovalDoesNotCount() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        try story.approve("d-42", by: story.bob, validFor: 300)
        #expect(story.gate("d-42").allowed)

        story.advance(300)
        let gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.reasons == ["needs 1 approval, has 0 of 1", "bob's approval expired at 2026-11-22T13:06:00Z"])
    }

    @Test func policyLifetimeCapsAStatementThatClaimsLonger() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1, approvalTTLSeconds: 3600))
        try story.approve("d-42", by: story.bob, validFor: 86_400)
        story.advance(3599)
        #expect(story.gate("d-42").allowed)
        story.advance(1)
        #expect(story.gate("d-42").reasons.contains("bob's approval expired at 2026-11-22T14:01:00Z"))
    }

    @Test func revokedKeyDoesNotCount() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        try story.approve("d-42", by: story.bob)
        story.advance(60)
        try story.revoke(story.bob)
        let gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.reasons.contains("bob's key was revoked at 2026-11-22T13:02:00Z"))
    }

    @Test func revokedKeyIsRefusedAtSubmissionButStillKnownForHistory() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        try story.revoke(story.bob)
        let refused = ledgerError { try story.approve("d-42", by: story.bob) }
        #expect(refused?.message == "approval refused: bob's key was revoked at 2026-11-22T13:01:00Z")
        #expect(story.context("d-42").approvers.approver(keyID: story.bob.keyID)?.name == name("bob"))
    }

    @Test func sameApproverTwiceIsRefusedAndCountsOnce() throws {
        var story = try requested()
        try story.approve("d-42", by: story.alice)
        story.advance(30)
        let refused = ledgerError { try story.approve("d-42", by: story.alice) }
        #expect(refused?.message == "approval refused: alice already approved; a person counts once")
        // Recorded anyway (an older ledger, a writer past the check): the gate counts it once.
        let statement = story.statement(for: "d-42", signer: story.alice)
        story.recordApprovalDirectly(
            "d-42", approver: story.alice, statement: statement, signature: story.alice.sign(statement))
        let gate = story.gate("d-42")
        #expect(gate.approvals == 1)
        #expect(
            gate.reasons == ["needs 2 approvals, has 1 of 2 (alice)", "alice already approved; a person counts once"])
    }

    @Test func samePersonThroughCLIAndSlackIsRefusedAndCountsOnce() throws {
        var story = try requested()
        try story.approve("d-42", by: story.alice)
        let refused = ledgerError { try slackApprove(&story, "d-42", user: "U0ALICE") }
        #expect(refused?.message == "approval refused: alice already approved; a person counts once")
        #expect(story.gate("d-42").approvals == 1)
    }

    @Test func keyNotAllowedForTheEnvironmentIsRefusedAndDoesNotCount() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        let refused = ledgerError { try story.approve("d-42", by: story.dave) }
        #expect(refused?.message == "approval refused: dave may not approve prod (may approve: staging)")
        let statement = story.statement(for: "d-42", signer: story.dave)
        story.recordApprovalDirectly("d-42", approver: story.dave, statement: statement, signature: story.dave.sign(statement))
        let gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.reasons.contains("dave may not approve prod (may approve: staging)"))
    }

    @Test func lockedEnvironmentClosesTheGate() throws {
        var story = try requested()
        try story.approve("d-42", by: story.alice)
        try story.approve("d-42", by: story.bob)
        #expect(story.gate("d-42").allowed)

        try story.lock(story.prod, reason: "incident 123", by: TestKey("ops-oncall"))
        var gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.approvals == 2)
        #expect(gate.reasons == ["prod is locked by ops-oncall: incident 123"])

        let admin = BreakGlass(reason: "hotfix", by: story.root.actor)
        #expect(story.gate("d-42", breakGlass: admin).reasons == ["prod is locked by ops-oncall: incident 123"])

        try story.lock(story.prod, service: story.web, reason: "schema change", by: story.alice)
        gate = story.gate("d-42")
        #expect(gate.reasons.contains("web on prod is locked by alice: schema change"))
    }

    @Test func lockOnAnotherServiceDoesNotApply() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 0))
        try story.lock(story.prod, service: service("api"), reason: "migration", by: story.alice)
        #expect(story.gate("d-42").allowed)
    }

    @Test func freezeWindowClosesTheGateButBreakGlassPasses() throws {
        let friday = try EnvironmentPolicy(approvalsRequired: 0, freezeWindows: [FreezeWindow("* 16-23 * * 5")])
        var story = try requested(friday)
        #expect(story.gate("d-42").allowed)

        story.now = time("2026-11-27T17:30:00Z")
        let gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.reasons == ["prod is in a freeze window (* 16-23 * * 5)"])

        let broken = story.gate("d-42", breakGlass: BreakGlass(reason: "security fix", by: story.root.actor))
        #expect(broken.allowed)
        #expect(broken.breakGlass?.reason == "security fix")
    }

    @Test func absoluteFreezePeriodClosesTheGate() throws {
        let holidays = try EnvironmentPolicy(
            approvalsRequired: 0, freezeWindows: [FreezeWindow("2026-12-20T00:00Z/2027-01-02T00:00Z")])
        var story = try requested(holidays)
        story.now = time("2026-12-24T10:00:00Z")
        #expect(story.gate("d-42").reasons == ["prod is in a freeze window (2026-12-20T00:00Z/2027-01-02T00:00Z)"])
        story.now = time("2027-01-02T00:00:00Z")
        #expect(story.gate("d-42").allowed)
    }

    @Test func signatureWithOneByteFlippedDoesNotVerify() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        let statement = story.statement(for: "d-42", signer: story.alice)
        var bytes = story.alice.sign(statement).bytes
        bytes[17] ^= 0x01
        let flipped = SignatureBytes(bytes)

        let refused = ledgerError {
            try story.run(
                .approve(deployID: deployID("d-42"), statement: statement, signature: flipped, via: .cli), on: "d-42")
        }
        #expect(refused?.message == "approval refused: signature by alice does not verify")

        story.recordApprovalDirectly("d-42", approver: story.alice, statement: statement, signature: flipped)
        let gate = story.gate("d-42")
        #expect(!gate.allowed)
        #expect(gate.reasons == ["needs 1 approval, has 0 of 1", "signature by alice does not verify"])
    }

    @Test func statementAlteredAfterSigningDoesNotVerify() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        let statement = story.statement(for: "d-42", signer: story.alice, validFor: 600)
        let signature = story.alice.sign(statement)
        var stretched = statement
        stretched = ApprovalStatement(
            deployID: statement.deployID, environment: statement.environment, service: statement.service,
            version: statement.version, artifact: statement.artifact,
            expiresAt: statement.expiresAt.addingTimeInterval(3000),
            signer: statement.signer)
        story.recordApprovalDirectly("d-42", approver: story.alice, statement: stretched, signature: signature)
        #expect(story.gate("d-42").reasons.contains("signature by alice does not verify"))
    }

    @Test func unknownKeyIsRefusedAtSubmission() throws {
        var story = try requested()
        let mallory = TestKey("mallory")
        let refused = ledgerError { try story.approve("d-42", by: mallory) }
        #expect(refused?.message == "approval refused: approval signed by key \(mallory.keyID), which is not enrolled")
    }

    @Test func ciKeyCannotApprove() throws {
        var story = try requested()
        let refused = ledgerError { try story.approve("d-42", by: story.ci) }
        #expect(refused?.message == "approval refused: ci-web signs with a CI key, which cannot approve")
    }

    @Test func selfApprovalCountsWhenThePolicyAllowsIt() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1, allowSelfApproval: true))
        try story.approve("d-42", by: story.carol)
        #expect(story.gate("d-42").allowed)
    }

    @Test func slackApprovalSignedByTheBotCounts() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1))
        try slackApprove(&story, "d-42", user: "U0BOB")
        let gate = story.gate("d-42")
        #expect(gate.allowed)
        #expect(gate.approvedBy == [name("bob")])
        guard case .deployApproved(let approval) = story.ledger.events(.deploy(deployID("d-42"))).last else {
            Issue.record("expected DeployApproved")
            return
        }
        #expect(approval.approver == name("bob"))
        #expect(approval.signerKeyID == story.slackBot.keyID)
    }

    @Test func slackApprovalFromAnUnknownUserIsRefused() throws {
        var story = try requested()
        let refused = ledgerError { try slackApprove(&story, "d-42", user: "U0NOBODY") }
        #expect(
            refused?.message == "approval refused: approval from Slack user U0NOBODY, who is not an enrolled approver")
    }

    @Test func requirePersonalKeyNeedsOneCLIApproval() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1, requirePersonalKey: true))
        try slackApprove(&story, "d-42", user: "U0BOB")
        let gate = story.gate("d-42")
        #expect(gate.approvals == 1)
        #expect(
            gate.reasons == [
                "prod needs at least one approval signed with a personal key (shiplog deploy approve), not through Slack"
            ])
        try story.approve("d-42", by: story.alice)
        #expect(story.gate("d-42").allowed)
    }

    @Test func everyReasonIsReportedAtOnce() throws {
        let policy = try EnvironmentPolicy(approvalsRequired: 2, freezeWindows: [FreezeWindow("* * * * *")])
        var story = try requested(policy)
        let statement = story.statement(for: "d-42", signer: story.dave)
        story.recordApprovalDirectly("d-42", approver: story.dave, statement: statement, signature: story.dave.sign(statement))
        try story.lock(story.prod, reason: "incident 123", by: story.alice)
        #expect(
            story.gate("d-42").reasons == [
                "needs 2 approvals, has 0 of 2",
                "dave may not approve prod (may approve: staging)",
                "prod is locked by alice: incident 123",
                "prod is in a freeze window (* * * * *)",
            ])
    }

    @Test func environmentWithoutPolicyIsRefused() throws {
        let story = try requested()
        let context = story.context("d-42")
        let gate = Gate.evaluate(
            deploy: context.deploy, approvers: context.approvers, policy: nil, locks: [], now: story.now,
            verifier: story.verifier)
        #expect(!gate.allowed)
        #expect(gate.reasons.first?.hasPrefix("unknown environment 'prod': no policy is set for it") == true)
    }

    @Test func gateOnAStartedDeploySaysSo() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 0))
        try story.run(.start(deployID: deployID("d-42"), by: story.ci.actor, breakGlassReason: nil), on: "d-42")
        #expect(story.gate("d-42").reasons == ["deploy d-42 is already started; only a requested deploy can start"])
    }

    @Test func gateDecisionEncodesTheCLIFields() throws {
        var story = try requested()
        try story.approve("d-42", by: story.alice)
        let json = try String(decoding: LedgerEvent.makeEncoder().encode(story.gate("d-42")), as: UTF8.self)
        #expect(json.contains(#""allowed":false"#))
        #expect(json.contains(#""approvals":1"#))
        #expect(json.contains(#""required":2"#))
        #expect(json.contains(#""reasons":["needs 2 approvals, has 1 of 2 (alice)"]"#))
    }

    private func slackApprove(_ story: inout Story, _ id: String, user: String) throws {
        let statement = story.statement(for: id, signer: story.slackBot)
        let evidence = SlackEvidence(
            userID: try SlackUserID(user), teamID: "T0TEAM", actionTimestamp: "1795438860.000100",
            requestTimestamp: "1795438860", requestSignature: "v0=" + String(repeating: "ab", count: 32))
        try story.run(
            .approve(
                deployID: deployID(id), statement: statement, signature: story.slackBot.sign(statement),
                via: .slack(evidence)),
            on: id)
    }

    /// With `requireMigrations`, a migration that stands failed for the service (or for the
    /// whole environment) closes the gate until it is recorded applied; another service's does
    /// not; break-glass passes it; a policy without the flag ignores migrations.
    @Test func failedMigrationClosesTheGateWhenThePolicyRequiresMigrations() throws {
        var story = try requested(EnvironmentPolicy(approvalsRequired: 1, requireMigrations: true))
        try story.approve("d-42", by: story.bob)
        let checksum = try MigrationChecksum("0123456789abcdef")
        let recorder = story.bob.actor
        func failed(_ migration: String, service: ServiceName?) throws -> LedgerEvent {
            .migrationFailed(
                .init(
                    environment: story.prod, name: try MigrationName(migration), checksum: checksum, service: service,
                    error: "relation already exists", recordedBy: recorder, failedAt: story.now))
        }
        func gate(_ events: [LedgerEvent], breakGlass: BreakGlass? = nil, policy: EnvironmentPolicy? = nil) -> GateDecision {
            let context = story.context("d-42")
            return Gate.evaluate(
                deploy: context.deploy, approvers: context.approvers, policy: policy ?? context.policy.policy, locks: context.locks,
                now: story.now, verifier: story.verifier, breakGlass: breakGlass, migrations: MigrationLog.replay(events))
        }
        #expect(gate([]).allowed)
        #expect(gate([try failed("0042_other", service: service("api"))]).allowed, "another service's migration")

        let closed = gate([try failed("0042_add_index", service: story.web)])
        #expect(!closed.allowed)
        #expect(
            closed.reasons.contains { $0.hasPrefix("migration 0042_add_index failed on prod at ") && $0.contains("(relation already exists)") },
            "\(closed.reasons)")
        #expect(!gate([try failed("0043_env_wide", service: nil)]).allowed, "a migration of the whole environment")

        let fixed: [LedgerEvent] = [
            try failed("0042_add_index", service: story.web),
            .migrationApplied(
                .init(
                    environment: story.prod, name: try MigrationName("0042_add_index"), checksum: checksum, service: story.web,
                    recordedBy: recorder, appliedAt: story.now)),
        ]
        #expect(gate(fixed).allowed, "applied since")
        #expect(
            gate([try failed("0042_add_index", service: story.web)], breakGlass: BreakGlass(reason: "hotfix", by: recorder)).allowed)
        #expect(
            gate([try failed("0042_add_index", service: story.web)], policy: EnvironmentPolicy(approvalsRequired: 1)).allowed,
            "a policy that does not require migrations")
    }
}
