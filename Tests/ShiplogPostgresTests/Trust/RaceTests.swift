import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// One decision: a command's append checks the versions of every stream its decision read,
/// so a lock, a revocation or a policy change committed just before a start makes the start
/// decide again; it can never land on top of them.
@Suite("Trust: a racing lock, revocation or policy change never lets a start through")
struct RaceTests {
    enum Racer: String, CaseIterable, Sendable { case lock, revocation, policy }

    static let rounds = 12

    @Test(
        "a start racing a change that closes its gate: never both in that order (one at a time, and group commit)",
        arguments: Racer.allCases, [false, true])
    func raceAgainstStart(_ racer: Racer, groupCommit: Bool) async throws {
        let story = try await TrustStory.make(maximumConnections: 8, groupCommit: groupCommit)
        var startsFirst = 0, refused = 0
        for round in 0..<Self.rounds {
            let service = "svc\(round)"
            try await story.ledger.recordBuild(
                service: service, version: "1.0.0", artifact: "sha256:" + String(repeating: "0\(round % 10)", count: 32),
                commit: nil, taskDefinition: nil, key: story.ci)
            let approver = SigningKey.generate()
            try await story.enroll("approver\(round)", approver, environments: ["prod"])
            let id = try await story.ledger.requestDeploy(
                service: service, environment: "prod", version: "1.0.0", artifact: nil, reason: nil,
                allowUnrecorded: false, key: story.carol)
            try await story.ledger.approve(id.rawValue, key: story.alice)
            try await story.ledger.approve(id.rawValue, key: approver)

            async let start: Bool = succeeds { try await story.ledger.start(id.rawValue, breakGlassReason: nil, key: story.ci) }
            async let change: Bool = succeeds {
                switch racer {
                case .lock:
                    try await story.ledger.lock(environment: "prod", service: service, reason: "incident", key: story.bob)
                case .revocation:
                    try await story.ledger.revokeApprover(name: "approver\(round)", reason: "left", key: story.admin)
                case .policy:
                    try await story.ledger.setPolicy(
                        environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 3), key: story.admin)
                }
            }
            let (started, changed) = await (start, change)
            #expect(changed, "the \(racer) itself always lands")
            if started {
                startsFirst += 1
                let order = try await story.database.connect().query(
                    """
                    SELECT (SELECT position FROM events WHERE type = 'DeployStarted' AND stream = \("deploy-\(id)")),
                           (SELECT max(position) FROM events WHERE type IN ('EnvironmentLocked', 'ApproverRevoked', 'PolicySet'))
                    """)[0]
                let (startedAt, changedAt) = try order.decode((Int64, Int64).self)
                #expect(startedAt < changedAt, "a start landed after the \(racer) that closes its gate")
            } else {
                refused += 1
            }
            // Open the way for the next round.
            switch racer {
            case .lock:
                try await story.ledger.unlock(environment: "prod", service: service, reason: nil, key: story.bob)
            case .revocation: break
            case .policy:
                try await story.ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: story.admin)
            }
            if !started { try await story.ledger.cancel(id.rawValue, reason: nil, key: story.carol) }
        }
        let verification = try await story.verify()
        #expect(verification.ok, "\(verification.reason ?? "") at \(verification.firstBadPosition ?? 0)")
        #expect(startsFirst + refused == Self.rounds)
    }

    @Test("twenty approvers approving one deploy at once: all twenty land (one at a time, and group commit)", arguments: [false, true])
    func twentyConcurrentApprovals(groupCommit: Bool) async throws {
        let story = try await TrustStory.make(maximumConnections: 20, groupCommit: groupCommit)
        let approvers = (1...20).map { _ in SigningKey.generate() }
        for (index, key) in approvers.enumerated() { try await story.enroll("person\(index)", key, environments: ["prod"]) }
        let id = try await story.request()
        let landed = await withTaskGroup(of: Bool.self) { group in
            for key in approvers {
                group.addTask { await succeeds { try await story.ledger.approve(id.rawValue, key: key) } }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(landed == 20)
        #expect(try await story.ledger.gate(id.rawValue).approvals == 20)
        #expect(try await story.verify().ok)
    }
}

/// True when `body` returns, false when it throws a refusal.
private func succeeds(_ body: () async throws -> Void) async -> Bool {
    do {
        try await body()
        return true
    } catch {
        return false
    }
}
