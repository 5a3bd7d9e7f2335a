import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// Issue 6's attacks, mounted as the database's application role would: rows appended through
/// `shiplog_append` (the only way in for that role) with command signatures computed by hand
/// (`Forger`). Each is ignored by the
/// gate and by decisions, shown as not counted, and named by `verify` at its position.
@Suite("Trust: signatures and authority, not the database")
struct AttackTests {
    let prod = try! Environment("prod")
    let web = try! ServiceName("web")

    @Test("a policy signed by an approver, not an admin: the gate keeps the admin's rule and verify names it")
    func nonAdminPolicy() async throws {
        let story = try await TrustStory.make()
        let forged = try await story.forger.append(
            [
                (
                    .policy(prod),
                    .policySet(
                        .init(
                            environment: prod, policy: EnvironmentPolicy(approvalsRequired: 0),
                            setBy: try story.actor("bob", story.bob), setAt: Date()))
                )
            ], as: .setPolicy(environment: prod, policy: EnvironmentPolicy(approvalsRequired: 0)), signedWith: story.bob)
        let id = try await story.request()

        let gate = try await story.ledger.gate(id.rawValue)
        #expect(!gate.allowed)
        #expect(gate.required == 2)
        await #expect(throws: LedgerError.self) {
            try await story.ledger.start(id.rawValue, breakGlassReason: nil, key: story.ci)
        }
        let verification = try await story.verify()
        #expect(!verification.ok)
        #expect(verification.firstBadPosition == forged)
        #expect(verification.reason?.contains("bob is not an admin") == true, "\(verification.reason ?? "")")
    }

    @Test("a sock puppet enrolled by an approver: its approval never counts")
    func sockPuppet() async throws {
        let story = try await TrustStory.make()
        let mallory = SigningKey.generate()
        let malloryID = try SignerKeyID(mallory.keyID.description)
        let enrolled = try await story.forger.append(
            [
                (
                    .approvers,
                    .approverEnrolled(
                        .init(
                            name: try ActorName("mallory"), publicKey: try PublicKeyBytes(mallory.publicKey.bytes),
                            keyID: malloryID, slackUserID: nil, environments: [prod], kind: .person,
                            enrolledBy: try story.actor("bob", story.bob), enrolledAt: Date()))
                )
            ],
            as: .enrollApprover(
                name: try ActorName("mallory"), publicKey: try PublicKeyBytes(mallory.publicKey.bytes), keyID: malloryID,
                slackUserID: nil, environments: [prod], kind: .person),
            signedWith: story.bob)
        let id = try await story.request()
        try await story.ledger.approve(id.rawValue, key: story.alice)
        await #expect(throws: LedgerError.self) { try await story.ledger.approve(id.rawValue, key: mallory) }

        let request = try #require(try await story.ledger.deploy(id.rawValue).context.deploy.request)
        let statement = ApprovalStatement(approving: request, expiresAt: Date().addingTimeInterval(3600), signer: malloryID)
        let signature = SignatureBytes(mallory.signature(for: statement.canonicalBytes))
        let approval = try await story.forger.append(
            [
                (
                    .deploy(id),
                    .deployApproved(
                        .init(
                            deployID: id, approver: try ActorName("mallory"), statement: statement, signature: signature,
                            signerKeyID: malloryID, via: .cli, approvedAt: Date()))
                )
            ], as: .approveDeploy(statement: statement, signature: signature), signedWith: mallory)

        let gate = try await story.ledger.gate(id.rawValue)
        #expect(gate.approvals == 1)
        #expect(gate.approvedBy == [try ActorName("alice")])
        let shown = try await story.ledger.deploy(id.rawValue)
        #expect(shown.skipped.map(\.position) == [approval])
        #expect(shown.skipped.first?.reason.contains("not enrolled") == true)
        let verification = try await story.verify()
        #expect(verification.firstBadPosition == enrolled)
        #expect(verification.reason?.contains("bob is not an admin") == true)
    }

    @Test("a forged start, with a junk signature or a real key but a closed gate: not started, verify names it")
    func forgedStart() async throws {
        let story = try await TrustStory.make()
        let id = try await story.request()
        try await story.ledger.approve(id.rawValue, key: story.alice)
        let pool = PostgresPool(configuration: story.login, maximumConnections: 2)
        try await Projector(pool: pool).catchUp()  // so the next catch-up judges a short stretch
        let started = LedgerEvent.deployStarted(
            .init(
                deployID: id, environment: prod, service: web, version: try ServiceVersion("1.2.3"),
                artifact: try ArtifactDigest(TrustStory.digest), approvedBy: [try ActorName("alice"), try ActorName("bob")],
                breakGlass: false, breakGlassReason: nil, startedBy: try story.actor("ci", story.ci), startedAt: Date()))
        let start = LedgerCommand.startDeploy(id: id, breakGlassReason: nil)
        let junk = try await story.forger.append(
            [(.deploy(id), started)], as: start, signedWith: story.ci, signature: SecureRandom.bytes(count: 64))
        let signed = try await story.forger.append([(.deploy(id), started)], as: start, signedWith: story.ci)
        // The same start on a stream of its own: the projections read events by type.
        let elsewhere = try await story.forger.appendUnsigned(
            stream: "release-notes", type: "DeployStarted", payload: try started.payloadJSON())

        // Still requested: it cannot be marked succeeded, and bob's approval still lands.
        await #expect(throws: LedgerError.self) { try await story.ledger.succeed(id.rawValue, key: story.ci) }
        try await story.ledger.approve(id.rawValue, key: story.bob)
        #expect(try await story.ledger.gate(id.rawValue).allowed)
        let skipped = try await story.ledger.deploy(id.rawValue).skipped
        #expect(skipped.map(\.position) == [junk, signed])
        #expect(skipped[0].reason.contains("does not verify"))
        #expect(skipped[1].reason.contains("may not start: needs 2 approvals, has 1 of 2 (alice)"), "\(skipped[1].reason)")

        let verification = try await story.verify()
        #expect(verification.firstBadPosition == junk)
        #expect(verification.reason?.contains("signature does not verify") == true)

        // The projections leave them out too, caught up step by step or rebuilt from zero.
        for rebuild in [false, true] {
            if rebuild { try await Projector(pool: pool).rebuild() } else { try await Projector(pool: pool).catchUp() }
            let entry = try #require(try await LedgerQueries(pool: pool).deploy(id: id.rawValue))
            #expect(entry.outcome == .requested)
            #expect(entry.startedBy == nil)
            let recorded = try await story.database.connect().query("SELECT position FROM skipped_events ORDER BY position")
            #expect(try recorded.map { try $0.decode(Int64.self, at: 0) } == [junk, signed, elsewhere])
        }
    }

    @Test("junk on the ledger's streams is skipped: every later command still works")
    func junkDoesNotPoison() async throws {
        let story = try await TrustStory.make()
        let first = try await story.forger.appendUnsigned(stream: "approvers", type: "Junk")
        try await story.forger.appendRaw([("ledger", "Junk", "{}")], signedWith: story.bob)
        try await story.forger.appendUnsigned(stream: "policy-prod", type: "PolicySet", payload: #"{"no":"policy"}"#)
        let id = try await story.request()
        try await story.forger.appendRaw([("deploy-\(id)", "DeployApproved", #"{"deployID":42}"#)], signedWith: story.alice)
        try await story.forger.appendUnsigned(stream: "env-prod-web", type: "Junk")
        try await story.forger.appendUnsigned(stream: "build-web", type: "BuildRecorded", payload: "[]")

        #expect(try await story.ledger.approvers().approvers.count == 4)
        try await story.ledger.approve(id.rawValue, key: story.alice)
        try await story.ledger.approve(id.rawValue, key: story.bob)
        try await story.ledger.start(id.rawValue, breakGlassReason: nil, key: story.ci)
        try await story.ledger.succeed(id.rawValue, key: story.ci)
        try await story.ledger.recordBuild(
            service: "web", version: "1.2.4", artifact: "sha256:" + String(repeating: "cd", count: 32), commit: nil,
            taskDefinition: nil, key: story.ci)
        #expect(try await story.ledger.deploy(id.rawValue).context.deploy.status == .succeeded)

        let verification = try await story.verify()
        #expect(verification.firstBadPosition == first)
        #expect(verification.reason?.contains("no command signature") == true)
    }

    @Test("an old signed unlock appended again after a new lock: it counts once, the lock holds")
    func replayedUnlock() async throws {
        let story = try await TrustStory.make()
        let id = try await story.request()
        try await story.ledger.approve(id.rawValue, key: story.alice)
        try await story.ledger.approve(id.rawValue, key: story.bob)
        try await story.ledger.lock(environment: "prod", service: "web", reason: "incident 1", key: story.alice)
        try await story.ledger.unlock(environment: "prod", service: "web", reason: nil, key: story.alice)
        try await story.ledger.lock(environment: "prod", service: "web", reason: "incident 2", key: story.alice)

        let row = try await story.database.connect().query(
            "SELECT stream, payload::text, metadata::text FROM events WHERE type = 'EnvironmentUnlocked'")[0]
        let (stream, payload, metadata) = try row.decode((String, String, String).self)
        let replayed = try await story.forger.store.append(
            [try NewEvent(type: "EnvironmentUnlocked", payload: payload, metadata: metadata, actor: "alice")], to: stream
        ).firstPosition

        let gate = try await story.ledger.gate(id.rawValue)
        #expect(!gate.allowed)
        #expect(gate.reasons.contains("web on prod is locked by alice: incident 2"))
        let verification = try await story.verify()
        #expect(verification.firstBadPosition == replayed)
        #expect(verification.reason?.contains("replays command") == true)
    }

    @Test("an approval an approver dated into the future, to outlive its expiry: it does not count")
    func futureDatedApproval() async throws {
        let story = try await TrustStory.make()
        let id = try await story.request()
        let request = try #require(try await story.ledger.deploy(id.rawValue).context.deploy.request)
        let later = Date().addingTimeInterval(30 * 86_400)
        let alice = try SignerKeyID(story.alice.keyID.description)
        let statement = ApprovalStatement(approving: request, expiresAt: later.addingTimeInterval(3600), signer: alice)
        let signature = SignatureBytes(story.alice.signature(for: statement.canonicalBytes))
        let forged = try await story.forger.append(
            [
                (
                    .deploy(id),
                    .deployApproved(
                        .init(
                            deployID: id, approver: try ActorName("alice"), statement: statement, signature: signature,
                            signerKeyID: alice, via: .cli, approvedAt: later))
                )
            ], as: .approveDeploy(statement: statement, signature: signature), signedWith: story.alice, at: later)

        #expect(try await story.ledger.gate(id.rawValue).approvals == 0)
        let skipped = try await story.ledger.deploy(id.rawValue).skipped
        #expect(skipped.map(\.position) == [forged])
        #expect(skipped.first?.reason.contains("after the log recorded it") == true)
        #expect(try await story.verify().firstBadPosition == forged)
    }

    @Test("a machine whose clock runs ahead of the database's is told so, and writes nothing")
    func clockAhead() async throws {
        let story = try await TrustStory.make()
        let ahead = LedgerService(store: story.ledger.store, clock: { Date().addingTimeInterval(3600) })
        let error = try await #require(throws: LedgerError.self) {
            try await ahead.lock(environment: "prod", service: nil, reason: "test", key: story.alice)
        }
        #expect(error.message.contains("s ahead of the database's"))
        #expect(try await story.ledger.deploy(try await story.request().rawValue).context.locks.isEmpty)
    }

    @Test("a policy edited in place behind the triggers: the gate does not act on it")
    func policyEditedInPlace() async throws {
        let story = try await TrustStory.make()
        let id = try await story.request()
        try await story.ledger.approve(id.rawValue, key: story.alice)
        let position = try #require(try await story.position(of: "PolicySet"))
        try await story.database.tamperingConnection().execute(
            unsafeSQL:
                #"UPDATE events SET payload = replace(payload::text, '"approvalsRequired":2', '"approvalsRequired":0')::json WHERE position = \#(position)"#
        )

        // Without its policy, nothing decided on prod counts: not even the request.
        let gate = try await story.ledger.gate(id.rawValue)
        #expect(!gate.allowed)
        await #expect(throws: LedgerError.self) {
            try await story.ledger.start(id.rawValue, breakGlassReason: nil, key: story.ci)
        }
        #expect(try await story.verify().firstBadPosition == position)
    }

    @Test("events riding on a signed intent they do not belong to: a lax policy under a cancel of no deploy does not count")
    func eventsUnderAnotherIntent() async throws {
        let story = try await TrustStory.make()
        let admin = try story.actor("admin", story.admin)
        let lax = LedgerEvent.policySet(
            .init(environment: prod, policy: EnvironmentPolicy(approvalsRequired: 0), setBy: admin, setAt: Date()))
        let forged = try await story.forger.append(
            [(.policy(prod), lax)], as: .cancelDeploy(id: try DeployID("d-nothing"), reason: nil), signedWith: story.bob)
        let id = try await story.request()
        #expect(try await story.ledger.gate(id.rawValue).required == 2)
        let verification = try await story.verify()
        #expect(verification.firstBadPosition == forged)
        #expect(verification.reason?.contains("never requested") == true, "\(verification.reason ?? "")")
    }

    @Test("an old signed command appended again with its id in capitals: not a way around replay detection")
    func recasedReplay() async throws {
        let story = try await TrustStory.make()
        try await story.ledger.lock(environment: "prod", service: "web", reason: "incident 1", key: story.alice)
        try await story.ledger.unlock(environment: "prod", service: "web", reason: nil, key: story.alice)
        try await story.ledger.lock(environment: "prod", service: "web", reason: "incident 2", key: story.alice)
        let row = try await story.database.connect().query(
            "SELECT stream, payload::text, metadata::text FROM events WHERE type = 'EnvironmentUnlocked'")[0]
        let (stream, payload, metadata) = try row.decode((String, String, String).self)
        let command = try #require(metadata.firstMatch(of: /"command":"([0-9a-f-]{36})"/)?.1)
        let recased = metadata.replacingOccurrences(of: String(command), with: String(command).uppercased())
        try await story.forger.store.append(
            [try NewEvent(type: "EnvironmentUnlocked", payload: payload, metadata: recased, actor: "alice")], to: stream)
        let id = try await story.request()
        #expect(try await story.ledger.gate(id.rawValue).reasons.contains("web on prod is locked by alice: incident 2"))
        #expect(try await story.verify().ok == false)
    }
}
