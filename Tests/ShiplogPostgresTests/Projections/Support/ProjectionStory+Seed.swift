import Foundation
import ShiplogCore

extension ProjectionStory {
    /// Fills the ledger with at least `events` events of a realistic mix over `services`
    /// services and four environments: builds, deploys with approvals, failures, rejections,
    /// cancellations, alarms with automatic rollbacks, and locks. Deterministic.
    func seed(events target: Int, services: Int = 50) async throws {
        let environments = ["prod", "staging", "qa", "dev"]
        bufferLimit = 500
        try await setUp(environments: environments)
        var random = ProjectionRandom(seed: 42)
        var versions = [Int](repeating: 0, count: services)
        var deploys = 0
        while eventCount < target {
            let s = random.next(services)
            let service = "svc\(s)"
            let environment = environments[random.next(environments.count)]
            versions[s] += 1
            let version = "1.\(versions[s]).0"
            try await recordBuild(service, version)
            advance(Double(60 + random.next(600)))
            deploys += 1
            let id = "d-\(deploys)"
            let requester = [carol, alice, bob, erin][random.next(4)]
            try await request(id, service, to: environment, version: version, by: requester)
            advance(30)
            let roll = random.next(100)
            if roll < 4 {
                try await reject(id, by: requester.name == alice.name ? bob : alice, reason: "not this week")
                continue
            }
            if roll < 8 {
                try await cancel(id, by: requester)
                continue
            }
            let pool = [alice, bob, erin].filter { $0.name != requester.name }
            for approver in pool.prefix(environment == "prod" ? 2 : 1) {
                try await approve(id, by: approver)
                advance(20)
            }
            try await start(id, by: ci)
            advance(Double(120 + random.next(300)))
            if roll < 16 {
                try await fail(id)
                continue
            }
            try await succeed(id)
            let place = state(
                ServiceEnvironment.self,
                .serviceEnvironment(try Environment(environment), try ServiceName(service))
            )
            if roll < 22, place.lastKnownGood != nil {
                let alarm = "\(environment)-\(service)-5xx"
                advance(60)
                try await raiseAlarm(alarm, environment: environment, service: service)
                try await rollback(id, alarm: alarm)
                advance(90)
                try await finishRollback(id, succeeded: roll != 21)
                try await resolveAlarm(alarm)
            }
            if roll >= 97 {
                try await lock(environment, service: roll == 99 ? nil : service, reason: "incident review", by: erin)
                advance(600)
                try await unlock(environment, service: roll == 99 ? nil : service, by: erin)
            }
        }
        try await flush()
    }
}

/// A small deterministic generator (SplitMix64), so seeded ledgers are the same every run.
struct ProjectionRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ upperBound: Int) -> Int {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Int(z % UInt64(upperBound))
    }
}
