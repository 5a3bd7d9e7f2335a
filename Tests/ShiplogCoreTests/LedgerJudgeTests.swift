import Foundation
import Testing

@testable import ShiplogCore

/// The judge alone, over a log kept in memory: which recorded commands count, and why not.
@Suite struct LedgerJudgeTests {
    /// A log being judged: each command is admitted in order, as `verify` walks it.
    struct JudgedLog {
        var world = LedgerWorld()
        var position: Int64 = 0
        var now = storyStart
        let verifier = ChecksumSignatureVerifier()
        let root = TestKey("root"), alice = TestKey("alice"), bob = TestKey("bob"), carol = TestKey("carol")
        let ci = TestKey("ci"), bot = TestKey("slack-bot")
        let prod = env("prod"), web = service("web")

        /// Records `command` signed by `key` on behalf of `principal` with the events the domain
        /// decides (or `events`, as a forger writes them), and judges it.
        @discardableResult
        mutating func admit(
            _ command: LedgerCommand, by key: TestKey, for principal: Principal = .signer, events: Decision? = nil,
            signatureIsValid: Bool = true, id: UUID = UUID(), recordedAt: Date? = nil
        ) throws -> Judgment {
            let intent = CommandIntent(id: id, signer: key.keyID, principal: principal, at: now, command: command)
            let decision = try events ?? LedgerJudge.decide(intent, in: world, verifier: verifier)
            var entries: [RecordedCommand.Entry] = []
            for append in decision.appends {
                for event in append.events {
                    position += 1
                    entries.append(.init(position: position, stream: append.stream, event: event))
                }
            }
            let recorded = RecordedCommand(intent: intent, entries: entries, recordedAt: recordedAt ?? now)
            return world.admit(recorded, signatureIsValid: signatureIsValid, verifier: verifier)
        }

        /// root; alice (prod, Slack U1), bob (prod), carol (prod); a CI key; the Slack bot;
        /// prod needs 2 approvals; web 1.2.3 built; carol requested d-1.
        static func started() throws -> JudgedLog {
            var log = JudgedLog()
            #expect(
                try log.admit(
                    .initialize(admin: log.root.name, publicKey: log.root.publicKey, keyID: log.root.keyID), by: log.root)
                    == .counted)
            #expect(try log.admit(.setPolicy(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 2)), by: log.root) == .counted)
            let enrolled: [(TestKey, ApproverKind, SlackUserID?)] = [
                (log.alice, .person, try SlackUserID("U1")), (log.bob, .person, nil), (log.carol, .person, nil),
                (log.ci, .ci, nil), (log.bot, .slackBot, nil),
            ]
            for (key, kind, slack) in enrolled {
                #expect(
                    try log.admit(
                        .enrollApprover(
                            name: key.name, publicKey: key.publicKey, keyID: key.keyID, slackUserID: slack,
                            environments: kind == .person ? [log.prod] : [], kind: kind),
                        by: log.root) == .counted)
            }
            #expect(
                try log.admit(
                    .recordBuild(service: log.web, version: version("1.2.3"), artifact: digest("a"), commit: nil, taskDefinition: nil),
                    by: log.ci) == .counted)
            #expect(
                try log.admit(
                    .requestDeploy(
                        id: deployID("d-1"), service: log.web, environment: log.prod, version: version("1.2.3"), artifact: nil,
                        reason: nil, allowUnrecorded: false),
                    by: log.carol) == .counted)
            return log
        }

        /// `key`'s approval of d-1, signed by `key` (the Slack bot signs a Slack approval).
        func approval(by key: TestKey) -> LedgerCommand {
            let request = world.deploys[deployID("d-1")]!.request!
            let statement = ApprovalStatement(approving: request, expiresAt: now.addingTimeInterval(3600), signer: key.keyID)
            return .approveDeploy(statement: statement, signature: key.sign(statement))
        }

        /// A start as a forger would write it, whatever the gate says.
        func forgedStart(approvedBy: [TestKey], by key: TestKey) -> Decision {
            let request = world.deploys[deployID("d-1")]!.request!
            return Decision(
                stream: .deploy(deployID("d-1")),
                events: [
                    .deployStarted(
                        .init(
                            deployID: request.deployID, environment: prod, service: web, version: request.version,
                            artifact: request.artifact, approvedBy: approvedBy.map(\.name), breakGlass: false,
                            breakGlassReason: nil, startedBy: key.actor, startedAt: now))
                ])
        }

        static let start = LedgerCommand.startDeploy(id: deployID("d-1"), breakGlassReason: nil)
        static let evidence = SlackEvidence(
            userID: try! SlackUserID("U1"), teamID: "T1", actionTimestamp: "1", requestTimestamp: "1", requestSignature: "v0=00")
    }

    @Test func theDomainsOwnCommandsCount() throws {
        var log = try JudgedLog.started()
        #expect(try log.admit(log.approval(by: log.alice), by: log.alice) == .counted)
        #expect(try log.admit(log.approval(by: log.bob), by: log.bob) == .counted)
        #expect(try log.admit(JudgedLog.start, by: log.ci) == .counted)
        #expect(log.world.deploys[deployID("d-1")]?.status == .started)
    }

    @Test func aPolicySetByAnApproverDoesNotCount() throws {
        var log = try JudgedLog.started()
        let lax = LedgerCommand.setPolicy(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0))
        let forged = Decision(
            stream: .policy(log.prod),
            events: [.policySet(.init(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: log.alice.actor, setAt: log.now))])
        let judgment = try log.admit(lax, by: log.alice, events: forged)
        #expect(judgment.reason == "setPolicy would have been refused here: alice is not an admin: this command must be signed with an admin key")
        #expect(log.world.policy(log.prod).policy?.approvalsRequired == 2)
    }

    @Test func eventsOtherThanTheSignedCommandsDoNotCount() throws {
        var log = try JudgedLog.started()
        // alice signs a harmless lock, and the rows say root relaxed the policy.
        let inRootsName = Decision(
            stream: .policy(log.prod),
            events: [.policySet(.init(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: log.root.actor, setAt: log.now))])
        let judgment = try log.admit(
            .lock(environment: log.prod, service: nil, reason: "incident"), by: log.alice, events: inRootsName)
        #expect(judgment.reason?.contains("differ from what the domain decides for the signed command") == true)
        #expect(log.world.policy(log.prod).policy?.approvalsRequired == 2)
    }

    @Test func aStartMustProveItsGate() throws {
        var log = try JudgedLog.started()
        #expect(try log.admit(log.approval(by: log.alice), by: log.alice) == .counted)
        let early = try log.admit(JudgedLog.start, by: log.ci, events: log.forgedStart(approvedBy: [log.alice, log.bob], by: log.ci))
        #expect(early.reason?.contains("may not start: needs 2 approvals, has 1 of 2 (alice)") == true)
        #expect(try log.admit(log.approval(by: log.bob), by: log.bob) == .counted)
        let lying = try log.admit(JudgedLog.start, by: log.ci, events: log.forgedStart(approvedBy: [log.alice, log.carol], by: log.ci))
        #expect(lying.reason?.contains("differ from what the domain decides") == true)
        #expect(try log.admit(JudgedLog.start, by: log.ci, events: log.forgedStart(approvedBy: [log.alice, log.bob], by: log.ci)) == .counted)
    }

    @Test func aCommandCountsOnceWithAValidSignatureAndNoFutureDate() throws {
        var log = try JudgedLog.started()
        let lock = LedgerCommand.lock(environment: log.prod, service: nil, reason: "incident")
        #expect(try log.admit(lock, by: log.bob, signatureIsValid: false).reason?.contains("does not verify") == true)
        #expect(
            try log.admit(lock, by: log.bob, recordedAt: log.now.addingTimeInterval(-3600)).reason?
                .contains("after the log recorded it") == true)
        let id = UUID()
        let locked = try LedgerJudge.decide(
            CommandIntent(id: id, signer: log.bob.keyID, at: log.now, command: lock), in: log.world, verifier: log.verifier)
        #expect(try log.admit(lock, by: log.bob, id: id) == .counted)
        #expect(try log.admit(.unlock(environment: log.prod, service: nil, reason: nil), by: log.bob) == .counted)
        #expect(try log.admit(lock, by: log.bob, events: locked, id: id).reason?.contains("replays command") == true)
        #expect(log.world.environment(log.prod).lock == nil)
    }

    @Test func eventsOnAnotherStreamOrForTheSystemFromAPersonDoNotCount() throws {
        var log = try JudgedLog.started()
        let misplaced = Decision(
            stream: .policy(env("staging")),
            events: [.policySet(.init(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: log.root.actor, setAt: log.now))])
        #expect(
            try log.admit(.setPolicy(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0)), by: log.root, events: misplaced)
                .reason == "PolicySet belongs on stream policy-prod, not policy-staging")
        let alarm = LedgerCommand.raiseAlarm(alarm: try AlarmName("prod-web-5xx"), environment: log.prod, service: log.web, reason: nil)
        let raised = try AlarmRecord.decide(
            .raise(alarm: AlarmName("prod-web-5xx"), environment: log.prod, service: log.web, reason: nil),
            state: AlarmRecord.initial, now: log.now)
        #expect(try log.admit(alarm, by: log.alice, events: raised).reason?.contains("acts for the system") == true)
        #expect(try log.admit(alarm, by: log.ci) == .counted)
    }

    @Test func theSlackBotActsForTheEnrolledPersonWithThatSlackUser() throws {
        var log = try JudgedLog.started()
        let approval = log.approval(by: log.bot)
        #expect(try log.admit(approval, by: log.bot, for: .slack(JudgedLog.evidence)) == .counted)
        let counted = log.world.deploys[deployID("d-1")]!.approvals.last!
        #expect(counted.approver == log.alice.name && counted.via == .slack(JudgedLog.evidence))

        // Someone else's key cannot claim a Slack user, and the bot speaks for enrolled users only.
        var other = try JudgedLog.started()
        let forged = try LedgerJudge.decide(
            CommandIntent(signer: log.bot.keyID, principal: .slack(JudgedLog.evidence), at: log.now, command: approval),
            in: other.world, verifier: other.verifier)
        #expect(
            try other.admit(approval, by: other.bob, for: .slack(JudgedLog.evidence), events: forged).reason?
                .contains("only the Slack bot key signs for a Slack user") == true)
        var stranger = JudgedLog.evidence
        stranger.userID = try SlackUserID("U9")
        #expect(
            try other.admit(approval, by: other.bot, for: .slack(stranger), events: forged).reason?
                .contains("Slack user U9 is not an enrolled approver") == true)
    }

    @Test func theServerActsForACITokenWithinItsScopes() throws {
        var log = try JudgedLog.started()
        let token = try TokenID("gh-web")
        #expect(
            try log.admit(
                .issueToken(id: token, label: "GitHub Actions", tokenHash: String(repeating: "a", count: 64), scopes: ["build"], expiresAt: nil),
                by: log.root) == .counted)
        let build = LedgerCommand.recordBuild(
            service: log.web, version: version("1.2.4"), artifact: digest("b"), commit: nil, taskDefinition: nil)
        #expect(try log.admit(build, by: log.bot, for: .token(token)) == .counted)
        #expect(log.world.builds[log.web]?.build(version: version("1.2.4"))?.recordedBy.name.rawValue == "token-gh-web")

        let cancel = LedgerCommand.cancelDeploy(id: deployID("d-1"), reason: "superseded")
        let cancelled = try LedgerJudge.decide(
            CommandIntent(signer: log.carol.keyID, at: log.now, command: cancel), in: log.world, verifier: log.verifier)
        #expect(
            try log.admit(cancel, by: log.bot, for: .token(token), events: cancelled).reason
                == "API token gh-web lacks the deploy scope (it has: build)")
        #expect(
            try log.admit(build, by: log.alice, for: .token(token), events: cancelled).reason?
                .contains("only the server's key signs for an API token") == true)
        #expect(
            try log.admit(log.approval(by: log.bot), by: log.bot, for: .token(token), events: cancelled).reason
                == "an API token cannot approveDeploy: that takes a person's key")
        #expect(try log.admit(.revokeToken(id: token, reason: "leaked"), by: log.root) == .counted)
        #expect(
            try log.admit(build, by: log.bot, for: .token(token), events: cancelled).reason
                == "API token gh-web is revoked or expired")
    }
}
