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
        let ci = TestKey("ci")
        let prod = env("prod"), web = service("web")

        /// Records `decision` as one command signed by `key`, and judges it.
        @discardableResult
        mutating func admit(
            _ decision: Decision, signedBy key: TestKey, signatureIsValid: Bool = true, id: UUID = UUID(),
            recordedAt: Date? = nil
        ) -> Judgment {
            var entries: [RecordedCommand.Entry] = []
            for append in decision.appends {
                for event in append.events {
                    position += 1
                    entries.append(.init(position: position, stream: append.stream, event: event))
                }
            }
            let command = RecordedCommand(id: id, signer: key.keyID, entries: entries, recordedAt: recordedAt ?? now)
            return world.admit(command, signatureIsValid: signatureIsValid, verifier: verifier)
        }

        /// root, alice, bob (prod), carol (prod), a CI key; prod needs 2 approvals; web 1.2.3 built;
        /// carol requested d-1.
        static func started() throws -> JudgedLog {
            var log = JudgedLog()
            #expect(
                log.admit(
                    try TrustRoot.decide(
                        .initialize(name: log.root.name, publicKey: log.root.publicKey, keyID: log.root.keyID),
                        state: log.world.trustRoot, now: log.now), signedBy: log.root) == .counted)
            for (key, kind) in [(log.alice, ApproverKind.person), (log.bob, .person), (log.carol, .person), (log.ci, .ci)] {
                #expect(
                    log.admit(
                        try ApproverRegistry.decide(
                            .enroll(
                                name: key.name, publicKey: key.publicKey, keyID: key.keyID, slackUserID: nil,
                                environments: kind == .person ? [log.prod] : [], kind: kind, by: log.root.actor),
                            state: log.world.approvers, trustRoot: log.world.trustRoot, now: log.now),
                        signedBy: log.root) == .counted)
            }
            #expect(
                log.admit(
                    try PolicyRecord.decide(
                        .set(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 2), by: log.root.actor),
                        state: log.world.policy(log.prod), trustRoot: log.world.trustRoot, now: log.now),
                    signedBy: log.root) == .counted)
            #expect(
                log.admit(
                    try BuildCatalog.decide(
                        .record(
                            service: log.web, version: version("1.2.3"), artifact: digest("a"), commit: nil,
                            taskDefinition: nil, by: log.ci.actor),
                        state: log.world.builds[log.web] ?? BuildCatalog.initial, now: log.now), signedBy: log.ci)
                    == .counted)
            let request = DeployRequest(
                id: deployID("d-1"), service: log.web, environment: log.prod, version: version("1.2.3"),
                by: log.carol.actor)
            #expect(log.admit(try log.decide(.request(request)), signedBy: log.carol) == .counted)
            return log
        }

        func decide(_ command: Deploy.Command) throws -> Decision {
            try Deploy.decide(
                command, context: world.deployContext(id: deployID("d-1"), environment: prod, service: web), now: now,
                verifier: verifier)
        }

        mutating func approve(by key: TestKey) throws -> Judgment {
            let request = world.deploys[deployID("d-1")]!.request!
            let statement = ApprovalStatement(approving: request, expiresAt: now.addingTimeInterval(3600), signer: key.keyID)
            return admit(
                try decide(.approve(deployID: deployID("d-1"), statement: statement, signature: key.sign(statement), via: .cli)),
                signedBy: key)
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
    }

    @Test func theDomainsOwnCommandsCount() throws {
        var log = try JudgedLog.started()
        #expect(try log.approve(by: log.alice) == .counted)
        #expect(try log.approve(by: log.bob) == .counted)
        #expect(
            log.admit(try log.decide(.start(deployID: deployID("d-1"), by: log.ci.actor, breakGlassReason: nil)), signedBy: log.ci)
                == .counted)
        #expect(log.world.deploys[deployID("d-1")]?.status == .started)
    }

    @Test func aPolicySetByAnApproverDoesNotCount() throws {
        var log = try JudgedLog.started()
        let lax = Decision(
            stream: .policy(log.prod),
            events: [.policySet(.init(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: log.alice.actor, setAt: log.now))])
        let judgment = log.admit(lax, signedBy: log.alice)
        #expect(judgment.reason == "PolicySet would have been refused here: alice is not an admin: this command must be signed with an admin key")
        #expect(log.world.policy(log.prod).policy?.approvalsRequired == 2)
    }

    @Test func anEventNamingSomeoneElseThanItsSignerDoesNotCount() throws {
        var log = try JudgedLog.started()
        let inRootsName = Decision(
            stream: .policy(log.prod),
            events: [.policySet(.init(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: log.root.actor, setAt: log.now))])
        #expect(log.admit(inRootsName, signedBy: log.alice).reason?.hasPrefix("PolicySet names root") == true)
    }

    @Test func aStartMustProveItsGate() throws {
        var log = try JudgedLog.started()
        #expect(try log.approve(by: log.alice) == .counted)
        let early = log.admit(log.forgedStart(approvedBy: [log.alice, log.bob], by: log.ci), signedBy: log.ci)
        #expect(early.reason?.contains("may not start: needs 2 approvals, has 1 of 2 (alice)") == true)
        #expect(try log.approve(by: log.bob) == .counted)
        let lying = log.admit(log.forgedStart(approvedBy: [log.alice, log.carol], by: log.ci), signedBy: log.ci)
        #expect(lying.reason?.contains("its events differ from what the domain decides") == true)
        #expect(log.admit(log.forgedStart(approvedBy: [log.alice, log.bob], by: log.ci), signedBy: log.ci) == .counted)
    }

    @Test func aCommandCountsOnceWithAValidSignatureAndNoFutureDate() throws {
        var log = try JudgedLog.started()
        let lock = try EnvironmentLocks.decide(
            .lock(environment: log.prod, service: nil, reason: "incident", by: log.bob.actor), current: nil,
            policy: log.world.policy(log.prod), trustRoot: log.world.trustRoot, now: log.now)
        #expect(log.admit(lock, signedBy: log.bob, signatureIsValid: false).reason?.contains("does not verify") == true)
        #expect(
            log.admit(lock, signedBy: log.bob, recordedAt: log.now.addingTimeInterval(-3600)).reason?
                .contains("after the log recorded it") == true)
        let id = UUID()
        #expect(log.admit(lock, signedBy: log.bob, id: id) == .counted)
        let unlock = try EnvironmentLocks.decide(
            .unlock(environment: log.prod, service: nil, reason: nil, by: log.bob.actor),
            current: log.world.environment(log.prod).lock, policy: log.world.policy(log.prod),
            trustRoot: log.world.trustRoot, now: log.now)
        #expect(log.admit(unlock, signedBy: log.bob) == .counted)
        #expect(log.admit(lock, signedBy: log.bob, id: id).reason?.contains("replays command") == true)
        #expect(log.world.environment(log.prod).lock == nil)
    }

    @Test func eventsOnAnotherStreamOrForTheSystemFromAPersonDoNotCount() throws {
        var log = try JudgedLog.started()
        let misplaced = Decision(
            stream: .policy(env("staging")),
            events: [.policySet(.init(environment: log.prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: log.root.actor, setAt: log.now))])
        #expect(log.admit(misplaced, signedBy: log.root).reason == "PolicySet belongs on stream policy-prod, not policy-staging")
        let alarm = try AlarmRecord.decide(
            .raise(alarm: AlarmName("prod-web-5xx"), environment: log.prod, service: log.web, reason: nil),
            state: AlarmRecord.initial, now: log.now)
        #expect(log.admit(alarm, signedBy: log.alice).reason?.contains("acts for the system") == true)
        #expect(log.admit(alarm, signedBy: log.ci) == .counted)
    }
}
