import Foundation
import Testing

@testable import ShiplogCore

/// One event of every type, with optional fields both set and left out.
enum SampleEvents {
    static let at = Date(timeIntervalSince1970: 1_795_352_400.123456)  // 2026-11-22T13:00:00.123456Z
    static let alice = TestKey("alice")
    static let root = TestKey("root")
    static let bot = TestKey("slack-bot")
    static let prod = env("prod")
    static let web = service("web")
    static let d42 = deployID("d-42")
    static let artifact = digest("a")
    static let previous = digest("b")

    static var statement: ApprovalStatement {
        ApprovalStatement(
            deployID: d42, environment: prod, service: web, version: version("1.2.3"), artifact: artifact,
            expiresAt: at.addingTimeInterval(3600), signer: alice.keyID)
    }

    static var all: [LedgerEvent] {
        get throws {
            let alarm = try AlarmName("prod-web-5xx-errors")
            let evidence = SlackEvidence(
                userID: try SlackUserID("U0ALICE"), teamID: "T0TEAM", actionTimestamp: "1795352460.000100",
                requestTimestamp: "1795352460", requestSignature: "v0=" + String(repeating: "ab", count: 32))
            let release = Release(
                deployID: d42, version: version("1.2.3"), artifact: artifact, deployedBy: alice.actor, deployedAt: at)
            return [
                .ledgerInitialized(
                    .init(admin: root.name, publicKey: root.publicKey, keyID: root.keyID, initializedAt: at)),
                .adminAdded(
                    .init(
                        admin: alice.name, publicKey: alice.publicKey, keyID: alice.keyID, addedBy: root.actor,
                        addedAt: at)),
                .adminRemoved(
                    .init(admin: alice.name, keyID: alice.keyID, reason: "left the team", removedBy: root.actor, removedAt: at)),
                .checkpointKeySet(
                    .init(origin: "shiplog.example.com/prod", publicKey: alice.publicKey, keyID: alice.keyID, setBy: root.actor, setAt: at)),
                .approverEnrolled(
                    .init(
                        name: alice.name, publicKey: alice.publicKey, keyID: alice.keyID, slackUserID: evidence.userID,
                        environments: [prod, env("staging")], kind: .person, enrolledBy: root.actor, enrolledAt: at)),
                .approverRevoked(
                    .init(
                        name: alice.name, keyID: alice.keyID, reason: "laptop lost", revokedBy: root.actor,
                        revokedAt: at)),
                .policySet(
                    .init(
                        environment: prod,
                        policy: EnvironmentPolicy(
                            approvalsRequired: 2, approvalTTLSeconds: 7200, allowSelfApproval: false,
                            requirePersonalKey: true,
                            freezeWindows: [try FreezeWindow("* 16-23 * * 5")], autoRollback: true),
                        setBy: root.actor, setAt: at)),
                .targetSet(
                    .init(
                        environment: prod, service: web,
                        target: DeployTarget(cluster: "prod-cluster", ecsService: "web", region: "eu-west-1"),
                        setBy: root.actor, setAt: at)),
                .targetSet(
                    .init(
                        environment: prod, service: web,
                        target: DeployTarget(
                            cluster: "prod-cluster", ecsService: "web", region: nil,
                            alarms: [try AlarmName("prod-web-5xx")],
                            alarmDimensions: [AlarmDimension(name: "ServiceName", value: "web")], watchSeconds: 900,
                            autoRollback: true),
                        setBy: root.actor, setAt: at)),
                .tokenIssued(
                    .init(
                        tokenID: try TokenID("gha-web"), label: "github actions",
                        tokenHash: String(repeating: "c", count: 64),
                        scopes: ["build", "deploy"], expiresAt: at.addingTimeInterval(86_400), issuedBy: root.actor,
                        issuedAt: at)),
                .tokenIssued(
                    .init(
                        tokenID: try TokenID("gha-staging"), label: "github actions, staging only",
                        tokenHash: String(repeating: "d", count: 64), scopes: ["build", "deploy"],
                        environments: [env("staging")], expiresAt: nil, issuedBy: root.actor, issuedAt: at)),
                .tokenRevoked(
                    .init(tokenID: try TokenID("gha-web"), reason: nil, revokedBy: root.actor, revokedAt: at)),
                .buildRecorded(
                    .init(
                        service: web, version: version("1.2.3"), artifact: artifact, commit: "4f2a9c1",
                        taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42",
                        recordedBy: alice.actor,
                        recordedAt: at)),
                .migrationApplied(
                    .init(
                        environment: prod, name: try MigrationName("0003_add_index.sql"),
                        checksum: try MigrationChecksum("9f86d081884c7d65"), service: web, recordedBy: alice.actor,
                        appliedAt: at)),
                .migrationFailed(
                    .init(
                        environment: prod, name: try MigrationName("0004_backfill.sql"),
                        checksum: try MigrationChecksum("deadbeefdeadbeef"), service: nil, error: "lock timeout",
                        recordedBy: alice.actor, failedAt: at)),
                .deployRequested(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.3"), artifact: artifact,
                        commit: "4f2a9c1", taskDefinition: nil, reason: "release", allowUnrecorded: false,
                        requestedBy: alice.actor, requestedAt: at)),
                .deployApproved(
                    .init(
                        deployID: d42, approver: alice.name, statement: statement,
                        signature: SignatureBytes(Array(repeating: 7, count: 64)), signerKeyID: alice.keyID, via: .cli,
                        approvedAt: at)),
                .deployApproved(
                    .init(
                        deployID: d42, approver: alice.name, statement: statement,
                        signature: SignatureBytes(Array(repeating: 9, count: 64)), signerKeyID: bot.keyID,
                        via: .slack(evidence), approvedAt: at)),
                .deployRejected(
                    .init(
                        deployID: d42, environment: prod, service: web, reason: "canary red", rejectedBy: alice.actor,
                        rejectedAt: at)),
                .deployCancelled(
                    .init(
                        deployID: d42, environment: prod, service: web, reason: nil, cancelledBy: alice.actor,
                        cancelledAt: at)),
                .deployStarted(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.3"), artifact: artifact,
                        approvedBy: [alice.name, name("bob")], breakGlass: true, breakGlassReason: "outage",
                        startedBy: root.actor, startedAt: at)),
                .deployStarted(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.3"), artifact: artifact,
                        approvedBy: [alice.name, name("bob")], breakGlass: false, breakGlassReason: nil,
                        previousTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41",
                        startedBy: alice.actor, startedAt: at)),
                .deploySucceeded(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.3"), artifact: artifact,
                        recordedBy: alice.actor, succeededAt: at)),
                .deployFailed(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.3"), artifact: artifact,
                        reason: "circuit breaker", recordedBy: alice.actor, failedAt: at)),
                .environmentLocked(
                    .init(environment: prod, service: nil, reason: "incident 123", lockedBy: alice.actor, lockedAt: at)),
                .environmentUnlocked(
                    .init(environment: prod, service: web, reason: nil, unlockedBy: alice.actor, unlockedAt: at)),
                .activeDeployOpened(
                    .init(
                        deployID: d42, environment: prod, service: web, purpose: .deploy, version: version("1.2.3"),
                        artifact: artifact, openedBy: alice.actor, openedAt: at)),
                .activeDeployClosed(
                    .init(
                        deployID: d42, environment: prod, service: web, outcome: .succeeded, running: release,
                        closedAt: at)),
                .alarmRaised(
                    .init(alarm: alarm, environment: prod, service: web, reason: "Threshold Crossed", raisedAt: at)),
                .alarmRaised(
                    .init(
                        alarm: alarm, environment: nil, service: nil, reason: "Threshold Crossed",
                        changedAt: Date(timeIntervalSince1970: 1_795_352_390.123), raisedAt: at)),
.alarmResolved(.init(alarm: alarm, environment: nil, service: nil, reason: nil, resolvedAt: at)),
                .rollbackStarted(
                    .init(
                        deployID: d42, environment: prod, service: web, fromVersion: version("1.2.3"),
                        fromArtifact: artifact,
                        toVersion: version("1.2.2"), toArtifact: previous, toDeployID: deployID("d-41"), alarm: alarm,
                        automatic: true, reason: nil, startedBy: nil, startedAt: at)),
                .rollbackSucceeded(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.2"), artifact: previous,
                        recordedBy: nil, succeededAt: at)),
                .rollbackSucceeded(
                    .init(
                        deployID: d42, environment: prod, service: web, version: version("1.2.2"), artifact: previous,
                        taskDefinition: "web:41", ecsCalledAt: at, recordedBy: root.actor, succeededAt: at)),
                .rollbackFailed(
                    .init(
                        deployID: d42, environment: prod, service: web, reason: "ECS timeout", recordedBy: alice.actor,
                        failedAt: at)),
                .actionRefused(
                    .init(
                        evidence: evidence, person: alice.name, attempt: "approve d-42", deployID: d42,
                        reason: "approval refused: alice requested d-42 and may not approve it", recordedBy: bot.actor,
                        refusedAt: at)),
            ]
        }
    }
}

@Suite struct EventJSONTests {
    @Test func samplesCoverTheWholeCatalogue() throws {
        let types = try SampleEvents.all.map(\.type)
        #expect(Set(types) == Set(LedgerEvent.allTypes))
        #expect(LedgerEvent.allTypes.count == 30)
        for type in [
            "LedgerInitialized", "DeployRequested", "DeployApproved", "RollbackFailed", "TargetSet", "TokenIssued",
        ] {
            #expect(LedgerEvent.allTypes.contains(type))
        }
    }

    @Test(arguments: try SampleEvents.all)
    func roundTripsThroughItsPayload(event: LedgerEvent) throws {
        let json = try event.payloadJSON()
        let decoded = try LedgerEvent.decode(type: event.type, payloadJSON: json)
        #expect(decoded == event)
        #expect(try decoded.payloadJSON() == json)
        #expect(try event.payloadJSON() == json)
        #expect(!json.contains("\n"))
    }

    @Test func payloadFormatIsPinned() throws {
        let build = try SampleEvents.all.first { $0.type == "BuildRecorded" }!
        #expect(
            try build.payloadJSON()
                == #"{"artifact":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","commit":"4f2a9c1","recordedAt":"2026-11-22T13:00:00.123456Z","recordedBy":{"keyID":"\#(SampleEvents.alice.keyID)","name":"alice"},"service":"web","taskDefinition":"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42","version":"1.2.3"}"#
        )
    }

    @Test func approvalChannelIsTagged() throws {
        let events = try SampleEvents.all.filter { $0.type == "DeployApproved" }
        #expect(try events[0].payloadJSON().contains(#""via":{"kind":"cli"}"#))
        #expect(try events[1].payloadJSON().contains(#""via":{"kind":"slack","slack":{"#))
    }

    @Test func approvalWithoutChannelIsFromTheCLI() throws {
        let cli = try SampleEvents.all.first { $0.type == "DeployApproved" }!
        let json = try cli.payloadJSON().replacingOccurrences(of: #","via":{"kind":"cli"}"#, with: "")
        #expect(!json.contains("via"))
        #expect(try LedgerEvent.decode(type: "DeployApproved", payloadJSON: json) == cli)
    }

    @Test func unknownTypeIsAClearError() {
        let error = ledgerError { _ = try LedgerEvent.decode(type: "DeployTeleported", payloadJSON: "{}") }
        #expect(error?.code == .malformedEvent)
        #expect(
            error?.message
                == "unknown event type 'DeployTeleported': this Shiplog knows 30 types; is the ledger from a newer version?"
        )
    }

    @Test func malformedPayloadNamesTheProblem() {
        let missing = ledgerError { _ = try LedgerEvent.decode(type: "AlarmResolved", payloadJSON: #"{"alarm":"x"}"#) }
        #expect(missing?.message == "event AlarmResolved has a malformed payload: missing field 'resolvedAt'")
        let badDigest = ledgerError {
            _ = try LedgerEvent.decode(
                type: "BuildRecorded",
                payloadJSON:
                    #"{"artifact":"sha256:nope","recordedAt":"2026-11-22T13:00:00Z","recordedBy":{"keyID":"0123456789abcdef","name":"ci"},"service":"web","version":"1"}"#
            )
        }
        #expect(
            badDigest?.message
                == "event BuildRecorded has a malformed payload: malformed artifact digest 'sha256:nope': expected sha256: followed by 64 hex characters at artifact"
        )
    }

    @Test func everyEventHasOneLineSayingWhatItDid() throws {
        for event in try SampleEvents.all {
            #expect(!event.summary.isEmpty && event.summary != event.type && !event.summary.contains("\n"), "\(event.type)")
        }
        let started = try SampleEvents.all.first { $0.type == "DeployRequested" }!
        #expect(started.summary.hasPrefix("requested web 1.2.3 to prod (d-42)"))
    }

    @Test func actorAndTimeAreReadableFromEveryEvent() throws {
        for event in try SampleEvents.all {
            #expect(event.occurredAt == SampleEvents.at)
        }
        let started = try SampleEvents.all.first { $0.type == "DeployStarted" }!
        #expect(started.actor == SampleEvents.root.actor)
    }
}
