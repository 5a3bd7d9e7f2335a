import Foundation
import Testing

@testable import ShiplogCore

@Suite struct DeployLifecycleTests {
    func openDeploy(approvals: Int = 0) throws -> Story {
        var story = try Story(prodPolicy: EnvironmentPolicy(approvalsRequired: approvals))
        try story.request("d-42", by: story.carol)
        return story
    }

    func start(_ story: inout Story, _ id: String = "d-42") throws {
        try story.run(.start(deployID: deployID(id), by: story.ci.actor, breakGlassReason: nil), on: id)
    }

    @Test func stateMachineErrorsNameTheState() throws {
        var story = try openDeploy()
        let early = ledgerError { try story.run(.succeed(deployID: deployID("d-42"), by: story.ci.actor), on: "d-42") }
        #expect(early?.code == .wrongState)
        #expect(early?.message == "deploy d-42 is requested and has not started; it cannot be marked succeeded")

        try start(&story)
        let cancel = ledgerError {
            try story.run(.cancel(deployID: deployID("d-42"), reason: nil, by: story.carol.actor), on: "d-42")
        }
        #expect(
            cancel?.message
                == "deploy d-42 is already started; it cannot be cancelled: record its outcome with shiplog deploy succeed or fail"
        )

        try story.run(.succeed(deployID: deployID("d-42"), by: story.ci.actor), on: "d-42")
        let again = ledgerError { try start(&story) }
        #expect(again?.message == "deploy d-42 is already succeeded; it cannot be started")
        let approve = ledgerError { try story.approve("d-42", by: story.alice) }
        #expect(approve?.message == "deploy d-42 is already succeeded; it cannot be approved")
    }

    @Test func unknownDeployIsNotFound() throws {
        var story = try openDeploy()
        let error = ledgerError { try story.run(.succeed(deployID: deployID("d-99"), by: story.ci.actor), on: "d-99") }
        #expect(error?.code == .notFound)
        #expect(error?.message == "unknown deploy d-99: see shiplog history for deploy ids")
    }

    @Test func requestingTheSameIDTwiceIsRefused() throws {
        var story = try openDeploy()
        try story.run(.cancel(deployID: deployID("d-42"), reason: nil, by: story.carol.actor), on: "d-42")
        #expect(ledgerError { try story.request("d-42") }?.message == "deploy d-42 already exists")
    }

    @Test func oneActiveDeployPerServiceAndEnvironment() throws {
        var story = try openDeploy()
        let second = ledgerError { try story.request("d-43", by: story.alice) }
        #expect(second?.code == .conflict)
        #expect(
            second?.message
                == "web on prod already has an active deploy: d-42 (1.2.3, opened by carol at 2026-11-22T13:00:00Z); finish it or cancel it (shiplog deploy cancel d-42) first"
        )

        // Another environment is independent.
        try story.request("d-44", to: story.staging, by: story.alice)

        // Every finish appends to the service's stream, so the slot frees.
        let cancelled = try story.run(
            .cancel(deployID: deployID("d-42"), reason: "wrong version", by: story.carol.actor), on: "d-42")
        #expect(cancelled.events(in: .serviceEnvironment(story.prod, story.web)).map(\.type) == ["ActiveDeployClosed"])
        try story.request("d-43", by: story.alice)
        #expect(story.serviceEnvironment().active?.deployID == deployID("d-43"))
    }

    @Test func racingRequestsBothWriteTheServiceStream() throws {
        // Both read the same empty stream; both decisions append to it, so the store's
        // expected-version check lets only the first land.
        let story = try Story()
        let context = story.ledger.deployContext(id: deployID("d-1"), environment: story.prod, service: story.web)
        let first = try Deploy.decide(
            .request(
                DeployRequest(
                    id: deployID("d-1"), service: story.web, environment: story.prod, version: version("1.2.3"),
                    by: story.carol.actor)),
            context: context, now: story.now, verifier: story.verifier)
        let second = try Deploy.decide(
            .request(
                DeployRequest(
                    id: deployID("d-2"), service: story.web, environment: story.prod, version: version("1.2.3"),
                    by: story.alice.actor)),
            context: story.ledger.deployContext(id: deployID("d-2"), environment: story.prod, service: story.web),
            now: story.now, verifier: story.verifier)
        let stream = LedgerStream.serviceEnvironment(story.prod, story.web)
        #expect(first.events(in: stream).count == 1)
        #expect(second.events(in: stream).count == 1)
    }

    @Test func unrecordedArtifactIsRefusedUnlessAllowedAndFlagged() throws {
        var story = try Story()
        let refused = ledgerError { try story.request("d-42", version: "9.9.9") }
        #expect(refused?.code == .notFound)
        #expect(
            refused?.message
                == "web 9.9.9 has no recorded build: record it with shiplog build record --service web --version 9.9.9 --artifact sha256:..., or pass --allow-unrecorded"
        )
        let noDigest = ledgerError { try story.request("d-42", version: "9.9.9", allowUnrecorded: true) }
        #expect(noDigest?.code == .invalidValue)

        let decision = try story.request("d-42", version: "9.9.9", artifact: digest("9"), allowUnrecorded: true)
        guard case .deployRequested(let request) = decision.events.first else {
            Issue.record("expected DeployRequested")
            return
        }
        #expect(request.allowUnrecorded)
        #expect(request.artifact == digest("9"))
    }

    @Test func recordedBuildSuppliesTheArtifactAndMustMatchAGivenOne() throws {
        var story = try Story()
        let mismatch = ledgerError { try story.request("d-42", artifact: digest("c")) }
        #expect(mismatch?.message == "web 1.2.3 was built as \(story.artifact123), not \(digest("c"))")
        let decision = try story.request("d-42", allowUnrecorded: true)
        guard case .deployRequested(let request) = decision.events.first else {
            Issue.record("expected DeployRequested")
            return
        }
        #expect(request.artifact == story.artifact123)
        #expect(!request.allowUnrecorded)
        #expect(request.commit == "4f2a9c1")
    }

    @Test func unknownEnvironmentIsRefused() throws {
        var story = try Story()
        let error = ledgerError { try story.request("d-42", to: env("prdo")) }
        #expect(error?.code == .notFound)
        #expect(
            error?.message
                == "unknown environment 'prdo': no policy is set for it; an admin sets one with shiplog policy set --env prdo --approvals N"
        )
    }

    @Test func breakGlassNeedsAnAdminAndIsFlagged() throws {
        var story = try openDeploy(approvals: 2)
        let notAdmin = ledgerError {
            try story.run(
                .start(deployID: deployID("d-42"), by: story.alice.actor, breakGlassReason: "outage"), on: "d-42")
        }
        #expect(notAdmin?.code == .notAuthorized)
        #expect(notAdmin?.message == "break-glass needs an admin key: alice is not an admin")
        let noReason = ledgerError {
            try story.run(.start(deployID: deployID("d-42"), by: story.root.actor, breakGlassReason: "  "), on: "d-42")
        }
        #expect(noReason?.message == "the reason for breaking glass must not be empty")

        let decision = try story.run(
            .start(deployID: deployID("d-42"), by: story.root.actor, breakGlassReason: "payments outage"), on: "d-42")
        guard case .deployStarted(let start) = decision.events.first else {
            Issue.record("expected DeployStarted")
            return
        }
        #expect(start.breakGlass)
        #expect(start.breakGlassReason == "payments outage")
        #expect(start.approvedBy.isEmpty)
    }

    @Test func breakGlassDoesNotPassALock() throws {
        var story = try openDeploy(approvals: 2)
        try story.lock(story.prod, reason: "incident 123", by: story.alice)
        let error = ledgerError {
            try story.run(
                .start(deployID: deployID("d-42"), by: story.root.actor, breakGlassReason: "hotfix"), on: "d-42")
        }
        #expect(error?.code == .gateClosed)
        #expect(error?.message == "deploy d-42 may not start: prod is locked by alice: incident 123")
    }

    @Test func rejectionByAnApproverEndsTheDeploy() throws {
        var story = try openDeploy(approvals: 2)
        let dave = ledgerError {
            try story.run(.reject(deployID: deployID("d-42"), reason: "no", by: story.dave.actor), on: "d-42")
        }
        #expect(dave?.message == "dave may not reject deploys to prod: only its approvers and admins can")
        try story.run(.reject(deployID: deployID("d-42"), reason: "failing canary", by: story.bob.actor), on: "d-42")
        #expect(story.ledger.state(Deploy.self, .deploy(deployID("d-42"))).status == .rejected)
        #expect(story.serviceEnvironment().active == nil)
    }

    @Test func onlyTheRequesterOrAnAdminCancels() throws {
        var story = try openDeploy()
        let bob = ledgerError {
            try story.run(.cancel(deployID: deployID("d-42"), reason: nil, by: story.bob.actor), on: "d-42")
        }
        #expect(bob?.message == "only carol, who requested deploy d-42, or an admin can cancel it")
        try story.run(.cancel(deployID: deployID("d-42"), reason: nil, by: story.root.actor), on: "d-42")
    }

    @Test func failureFreesTheSlotAndKeepsWhatRuns() throws {
        var story = try openDeploy()
        try start(&story)
        try story.run(.fail(deployID: deployID("d-42"), reason: "health checks failed", by: story.ci.actor), on: "d-42")
        let deploy = story.ledger.state(Deploy.self, .deploy(deployID("d-42")))
        #expect(deploy.status == .failed)
        #expect(deploy.failureReason == "health checks failed")
        #expect(story.serviceEnvironment().active == nil)
        #expect(story.serviceEnvironment().running == nil)
    }

    @Test func alarmRollsBackToTheLastKnownGoodRelease() throws {
        var story = try Story(prodPolicy: EnvironmentPolicy(approvalsRequired: 0))
        try story.request("d-41", version: "1.2.2")
        try start(&story, "d-41")
        try story.run(.succeed(deployID: deployID("d-41"), by: story.ci.actor), on: "d-41")
        story.advance(3600)
        try story.request("d-42", version: "1.2.3")
        try start(&story, "d-42")
        try story.run(.succeed(deployID: deployID("d-42"), by: story.ci.actor), on: "d-42")
        #expect(story.serviceEnvironment().running?.version == version("1.2.3"))
        #expect(story.serviceEnvironment().lastKnownGood?.version == version("1.2.2"))

        let older = ledgerError {
            try story.run(
                .startRollback(
                    deployID: deployID("d-41"), alarm: nil, reason: nil, automatic: false, by: story.alice.actor),
                on: "d-41")
        }
        #expect(
            older?.message
                == "deploy d-41 no longer runs on prod (d-42 runs there now): roll back the latest deploy instead")

        story.advance(120)
        let alarm = try AlarmName("prod-web-5xx-errors")
        let started = try story.run(
            .startRollback(deployID: deployID("d-42"), alarm: alarm, reason: "5xx above 5%", automatic: true, by: nil),
            on: "d-42")
        guard case .rollbackStarted(let rollback) = started.events.first else {
            Issue.record("expected RollbackStarted")
            return
        }
        #expect(rollback.toVersion == version("1.2.2"))
        #expect(rollback.toDeployID == deployID("d-41"))
        #expect(rollback.automatic)
        #expect(story.serviceEnvironment().active?.purpose == .rollback)
        #expect(ledgerError { try story.request("d-43") }?.message.contains("is being rolled back") == true)

        try story.run(.finishRollback(deployID: deployID("d-42"), succeeded: true, reason: nil, by: nil), on: "d-42")
        #expect(story.ledger.state(Deploy.self, .deploy(deployID("d-42"))).status == .rolledBack)
        let place = story.serviceEnvironment()
        #expect(place.active == nil)
        #expect(place.running?.version == version("1.2.2"))
        #expect(place.running?.deployID == deployID("d-41"))
    }

    @Test func automaticRollbackRespectsThePolicy() throws {
        var story = try Story(prodPolicy: EnvironmentPolicy(approvalsRequired: 0, autoRollback: false))
        try story.request("d-42")
        try start(&story)
        try story.run(.succeed(deployID: deployID("d-42"), by: story.ci.actor), on: "d-42")
        let error = ledgerError {
            try story.run(
                .startRollback(deployID: deployID("d-42"), alarm: nil, reason: nil, automatic: true, by: nil),
                on: "d-42")
        }
        #expect(error?.message == "auto-rollback is off for prod: a person must roll deploy d-42 back")
        let manual = ledgerError {
            try story.run(
                .startRollback(
                    deployID: deployID("d-42"), alarm: nil, reason: nil, automatic: false, by: story.alice.actor),
                on: "d-42")
        }
        #expect(manual?.message == "there is no earlier release of web on prod to roll back to")
    }
}
