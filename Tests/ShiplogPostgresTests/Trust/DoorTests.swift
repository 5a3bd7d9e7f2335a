import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// Who signed what, for every door: a command reaches the ledger signed by the person's key
/// (the CLI, here or through the server), by the Slack bot for a mapped person, or by the
/// server's key for a CI token; each lands once, counts, and `verify` checks it.
@Suite("Trust: one signed unit for the CLI, Slack, CI tokens and a remote CLI")
struct DoorTests {
    static let evidence = SlackEvidence(
        userID: try! SlackUserID("U0DAVE"), teamID: "T0SHIP", actionTimestamp: "1764331200.000100",
        requestTimestamp: "1764331200", requestSignature: "v0=" + String(repeating: "a1", count: 32))

    /// The story plus the server's Slack bot key, dave (who approves from Slack only), and a CI
    /// token with the deploy scope.
    static func story() async throws -> (story: TrustStory, bot: SigningKey, token: TokenID) {
        let story = try await TrustStory.make()
        let bot = SigningKey.generate()
        _ = try await story.ledger.enrollApprover(
            name: "slack-bot", publicKey: bot.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot,
            key: story.admin)
        _ = try await story.ledger.enrollApprover(
            name: "dave", publicKey: SigningKey.generate().publicKey.base64, slackUser: evidence.userID.rawValue,
            environments: ["prod"], kind: .person, key: story.admin)
        let (token, _) = try await story.ledger.issueToken(
            id: "gh-web", label: "GitHub Actions, web", scopes: ["deploy"], expiresAt: nil, key: story.admin)
        return (story, bot, token)
    }

    @Test("alice with her key, dave through Slack, a CI token starts it, carol's remote CLI succeeds it; verify counts all")
    func fourDoors() async throws {
        let (story, bot, token) = try await Self.story()
        let id = try await story.request()

        // The CLI's door: alice's own key.
        try await story.ledger.approve(id.rawValue, key: story.alice)
        // Slack: the bot signs the statement and the intent, for the person with that Slack user.
        try await story.ledger.submit(try await story.ledger.approval(id.rawValue, key: bot, for: .slack(Self.evidence)))
        let gate = try await story.ledger.gate(id.rawValue)
        #expect(gate.allowed)
        #expect(Set(gate.approvedBy.map(\.rawValue)) == ["alice", "dave"])

        // A CI token: the server's key signs for the token.
        let started = try await story.ledger.run(.startDeploy(id: id, breakGlassReason: nil), signedWith: bot, for: .token(token))
        #expect(started.appended.count == 1)
        let context = try await story.ledger.deploy(id.rawValue).context
        #expect(context.deploy.started?.startedBy.name.rawValue == "token-gh-web")

        // A remote CLI: carol signs on her machine; the server receives JSON and submits it.
        let remote = LedgerService(store: InMemoryLedgerStorage())  // only signs: no ledger of its own
        let wire = try JSONEncoder().encode(try remote.sign(.succeedDeploy(id: id), with: story.carol))
        let received = try JSONDecoder().decode(SignedIntent.self, from: wire)
        let receipt = try await story.ledger.submit(received)
        #expect(!receipt.duplicate && receipt.name == "succeedDeploy")
        #expect(try await story.ledger.deploy(id.rawValue).context.deploy.status == .succeeded)

        // The same request again (a retry): it lands once.
        let again = try await story.ledger.submit(received)
        #expect(again.duplicate && again.appended.isEmpty)
        let copies = try await story.database.connect().query(
            "SELECT count(*) FROM events WHERE metadata::json ->> 'command' = \(receipt.command.uuidString.lowercased())")
        #expect(try copies[0].decode(Int64.self, at: 0) == 2)  // DeploySucceeded and ActiveDeployClosed

        let verification = try await story.verify()
        #expect(verification.ok, "\(verification.reason ?? "") at \(verification.firstBadPosition ?? 0)")
    }

    @Test("an altered, stale, unmapped or out-of-scope intent is refused at the door, and nothing is written")
    func refusedAtTheDoor() async throws {
        let (story, bot, token) = try await Self.story()
        let id = try await story.request()
        let before = try await story.database.connect().query("SELECT count(*) FROM events")[0].decode(Int64.self, at: 0)

        // Altered on the way: carol's cancel turned into a cancel with another reason.
        let signed = try story.ledger.sign(.cancelDeploy(id: id, reason: "superseded"), with: story.carol)
        let altered = try SignedIntent(
            json: signed.json.replacingOccurrences(of: "superseded", with: "sabotaged"), signature: signed.signature)
        let forged = try await #require(throws: LedgerError.self) { try await story.ledger.submit(altered) }
        #expect(forged.code == .notAuthorized && forged.message.contains("does not verify"))

        // Kept and sent ten minutes later.
        let stale = try SignedIntent(
            CommandIntent(
                signer: try SignerKeyID(story.carol.keyID.description), at: Date().addingTimeInterval(-600),
                command: .cancelDeploy(id: id, reason: nil)),
            signedWith: story.carol)
        let late = try await #require(throws: LedgerError.self) { try await story.ledger.submit(stale) }
        #expect(late.message.contains("signed 600 s before") || late.message.contains("s before the database's clock"))

        // A Slack user nobody enrolled; alice's key pretending to be the bot; a token without the scope.
        var stranger = Self.evidence
        stranger.userID = try SlackUserID("U0NOBODY")
        let unmapped = try await #require(throws: LedgerError.self) {
            try await story.ledger.submit(try await story.ledger.approval(id.rawValue, key: bot, for: .slack(stranger)))
        }
        #expect(unmapped.message.contains("Slack user U0NOBODY is not an enrolled approver"))
        let pretender = try await #require(throws: LedgerError.self) {
            try await story.ledger.submit(try await story.ledger.approval(id.rawValue, key: story.alice, for: .slack(Self.evidence)))
        }
        #expect(pretender.message.contains("only the Slack bot key signs for a Slack user"))
        let scope = try await #require(throws: LedgerError.self) {
            try await story.ledger.run(
                .recordBuild(
                    service: try ServiceName("web"), version: try ServiceVersion("9.9.9"),
                    artifact: try ArtifactDigest(TrustStory.digest), commit: nil, taskDefinition: nil),
                signedWith: bot, for: .token(token))
        }
        #expect(scope.message == "API token gh-web lacks the build scope (it has: deploy)")
        // Only the bot records what it refused: alice cannot write refusals in dave's name.
        let refusal = LedgerCommand.recordRefusal(evidence: Self.evidence, attempt: "approve \(id)", deployID: id, reason: "made up")
        let notTheBot = try await #require(throws: LedgerError.self) {
            try await story.ledger.run(refusal, signedWith: story.alice)
        }
        #expect(notTheBot.message.contains("only the Slack bot records what it refused"))

        let after = try await story.database.connect().query("SELECT count(*) FROM events")[0].decode(Int64.self, at: 0)
        #expect(after == before)
        #expect(try await story.verify().ok)
    }

    @Test("a token for staging only may not act on prod; on staging it may")
    func tokenEnvironments() async throws {
        let (story, bot, _) = try await Self.story()
        try await story.ledger.setPolicy(environment: "staging", policy: EnvironmentPolicy(approvalsRequired: 0), key: story.admin)
        let (staging, _) = try await story.ledger.issueToken(
            id: "gh-staging", label: "staging pipeline", scopes: ["deploy"], expiresAt: nil, environments: ["staging"],
            key: story.admin)
        func request(_ environment: String) throws -> LedgerCommand {
            .requestDeploy(
                id: try DeployID(shortID: LedgerService.newShortID()), service: try ServiceName("web"),
                environment: try Environment(environment), version: try ServiceVersion("1.2.3"), artifact: nil, reason: nil,
                allowUnrecorded: false)
        }
        let prod = try await #require(throws: LedgerError.self) {
            try await story.ledger.run(try request("prod"), signedWith: bot, for: .token(staging))
        }
        #expect(prod.code == .notAuthorized && prod.message == "API token gh-staging may act on staging only, not prod", "\(prod)")
        try await story.ledger.run(try request("staging"), signedWith: bot, for: .token(staging))
        let listed = try #require(try await story.ledger.tokens().tokens[staging])
        #expect(listed.environments?.map(\.rawValue) == ["staging"])
        #expect(try await story.verify().ok)
    }

    @Test("the bot's record of a refusal lands on that day's refusals stream, under the person, and verify counts it")
    func refusalsAreRecorded() async throws {
        let (story, bot, _) = try await Self.story()
        let id = try await story.request()
        let receipt = try await story.ledger.run(
            .recordRefusal(evidence: Self.evidence, attempt: "approve \(id)", deployID: id, reason: "not allowed"),
            signedWith: bot)
        let streams = receipt.appended.map(\.stream)
        #expect(streams.count == 1 && streams[0].hasPrefix("refusals-20"), "\(streams)")
        let row = try await story.database.connect().query(
            "SELECT actor FROM events WHERE type = 'ActionRefused'")[0].decode(String.self, at: 0)
        #expect(row == "dave")
        #expect(try await story.verify().ok)
        try await Projector(pool: story.database.pool()).catchUp()
        let skipped = try await story.database.connect().query("SELECT count(*) FROM skipped_events")[0].decode(Int64.self, at: 0)
        #expect(skipped == 0)
        let audit = try await LedgerQueries(pool: story.database.pool()).audit(actor: "dave")
        #expect(audit.last?.summary == "refused Slack user U0DAVE (dave) approve \(id): not allowed", "\(audit)")
    }
}
