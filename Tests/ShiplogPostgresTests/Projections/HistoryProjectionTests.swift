import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

@Suite("Projection: deploy history")
struct HistoryProjectionTests {
    /// Eight deploys an hour apart, each ending differently:
    ///
    /// | id | where | requester | approvers | outcome |
    /// |---|---|---|---|---|
    /// | d-1 | web prod 1.0.0 | carol | alice, bob | succeeded |
    /// | d-2 | api staging 2.0.0 | alice | carol | succeeded |
    /// | d-3 | web staging 1.1.0 | bob | — | rejected by carol |
    /// | d-4 | api prod 2.1.0 | erin | alice, bob | cancelled by erin |
    /// | d-5 | web prod 1.1.0 | carol | alice, erin | failed |
    /// | d-6 | web prod 1.2.0 | carol | bob, erin | succeeded, rolled back by alice |
    /// | d-7 | api prod 2.1.0 | carol | — | break-glass by root, succeeded |
    /// | d-8 | web staging 9.9.9 | bob | alice | unrecorded build, succeeded |
    private static func tell(_ story: ProjectionStory) async throws -> [String: Date] {
        try await story.setUp()
        for (service, version) in [
            ("web", "1.0.0"), ("web", "1.1.0"), ("web", "1.2.0"), ("api", "2.0.0"), ("api", "2.1.0"),
        ] {
            try await story.recordBuild(service, version)
        }
        var requestedAt: [String: Date] = [:]
        func next(_ id: String) {
            story.advance(3600)
            requestedAt[id] = story.now
        }
        next("d-1")
        try await story.deploy("d-1", version: "1.0.0", by: story.carol, approvers: [story.alice, story.bob])
        next("d-2")
        try await story.deploy("d-2", "api", to: "staging", version: "2.0.0", by: story.alice, approvers: [story.carol])
        next("d-3")
        try await story.request("d-3", to: "staging", version: "1.1.0", by: story.bob)
        try await story.reject("d-3", by: story.carol, reason: "needs a security review")
        next("d-4")
        try await story.request("d-4", "api", version: "2.1.0", by: story.erin)
        try await story.approve("d-4", by: story.alice)
        try await story.approve("d-4", by: story.bob)
        try await story.cancel("d-4", by: story.erin)
        next("d-5")
        try await story.request("d-5", version: "1.1.0", by: story.carol)
        try await story.approve("d-5", by: story.alice)
        try await story.approve("d-5", by: story.erin)
        try await story.start("d-5", by: story.ci)
        story.advance(120)
        try await story.fail("d-5")
        next("d-6")
        try await story.deploy("d-6", version: "1.2.0", by: story.carol, approvers: [story.bob, story.erin])
        story.advance(60)
        try await story.rollback("d-6", by: story.alice)
        story.advance(60)
        try await story.finishRollback("d-6", by: story.alice)
        next("d-7")
        try await story.request("d-7", "api", version: "2.1.0", by: story.carol)
        try await story.start("d-7", by: story.root, breakGlass: "hotfix for the outage")
        try await story.succeed("d-7")
        next("d-8")
        try await story.request("d-8", to: "staging", version: "9.9.9", by: story.bob, allowUnrecorded: true)
        try await story.approve("d-8", by: story.alice)
        try await story.start("d-8", by: story.ci)
        try await story.succeed("d-8")
        return requestedAt
    }

    @Test("filters by where, who, what happened and when; newest first; limited")
    func filters() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let requestedAt = try await Self.tell(story)
            try await Projector(pool: database.pool).catchUp()
            let queries = LedgerQueries(pool: database.pool)
            func ids(_ filter: HistoryFilter) async throws -> [String] {
                try await queries.history(filter).map(\.id)
            }

            #expect(try await ids(HistoryFilter()) == ["d-8", "d-7", "d-6", "d-5", "d-4", "d-3", "d-2", "d-1"])
            #expect(try await ids(HistoryFilter(environment: "prod")) == ["d-7", "d-6", "d-5", "d-4", "d-1"])
            #expect(try await ids(HistoryFilter(service: "web")) == ["d-8", "d-6", "d-5", "d-3", "d-1"])
            #expect(try await ids(HistoryFilter(environment: "prod", service: "web")) == ["d-6", "d-5", "d-1"])
            #expect(try await ids(HistoryFilter(environment: "nowhere")) == [])

            // As requester, approver, starter, rejecter, canceller, or in a rollback (not as the recorder of an outcome).
            #expect(try await ids(HistoryFilter(actor: "carol")) == ["d-7", "d-6", "d-5", "d-3", "d-2", "d-1"])
            #expect(try await ids(HistoryFilter(actor: "alice")) == ["d-8", "d-6", "d-5", "d-4", "d-2", "d-1"])
            #expect(try await ids(HistoryFilter(actor: "bob")) == ["d-8", "d-6", "d-4", "d-3", "d-1"])
            #expect(try await ids(HistoryFilter(actor: "erin")) == ["d-6", "d-5", "d-4"])
            #expect(try await ids(HistoryFilter(actor: "root")) == ["d-7"])
            #expect(try await ids(HistoryFilter(actor: "ci")) == ["d-8", "d-6", "d-5", "d-2", "d-1"])
            #expect(try await ids(HistoryFilter(actor: "nobody")) == [])
            #expect(try await ids(HistoryFilter(environment: "prod", actor: "alice")) == ["d-6", "d-5", "d-4", "d-1"])
            #expect(try await ids(HistoryFilter(actor: "carol", outcome: .succeeded)) == ["d-7", "d-2", "d-1"])
            #expect(try await ids(HistoryFilter(actor: "carol", limit: 2)) == ["d-7", "d-6"])

            #expect(try await ids(HistoryFilter(outcome: .succeeded)) == ["d-8", "d-7", "d-2", "d-1"])
            #expect(try await ids(HistoryFilter(outcome: .failed)) == ["d-5"])
            #expect(try await ids(HistoryFilter(outcome: .rejected)) == ["d-3"])
            #expect(try await ids(HistoryFilter(outcome: .cancelled)) == ["d-4"])
            #expect(try await ids(HistoryFilter(outcome: .rolledBack)) == ["d-6"])
            #expect(try await ids(HistoryFilter(outcome: .requested)) == [])

            let d3 = try #require(requestedAt["d-3"])
            #expect(try await ids(HistoryFilter(since: d3)) == ["d-8", "d-7", "d-6", "d-5", "d-4", "d-3"])
            #expect(try await ids(HistoryFilter(until: d3)) == ["d-2", "d-1"])
            #expect(
                try await ids(HistoryFilter(since: requestedAt["d-2"], until: requestedAt["d-5"])) == [
                    "d-4", "d-3", "d-2",
                ]
            )
            #expect(try await ids(HistoryFilter(actor: "carol", since: d3)) == ["d-7", "d-6", "d-5", "d-3"])
            #expect(try await ids(HistoryFilter(limit: 3)) == ["d-8", "d-7", "d-6"])
        }
    }

    @Test("each deploy says who asked, who approved, who started it, and how it ended")
    func entries() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            let requestedAt = try await Self.tell(story)
            try await Projector(pool: database.pool).catchUp()
            let queries = LedgerQueries(pool: database.pool)
            let all = Dictionary(uniqueKeysWithValues: try await queries.history().map { ($0.id, $0) })

            let d1 = try #require(all["d-1"])
            #expect(d1.service == "web" && d1.environment == "prod" && d1.version == "1.0.0")
            #expect(d1.artifact == ProjectionStory.artifact("web", "1.0.0").rawValue)
            #expect(d1.requester == "carol")
            #expect(
                d1.approvers == ["alice", "bob"] && d1.approvalCount == 2 && d1.countedApprovers == ["alice", "bob"]
            )
            #expect(d1.outcome == .succeeded)
            #expect(d1.requestedAt == requestedAt["d-1"])
            #expect(d1.startedBy == "ci" && d1.startedAt == requestedAt["d-1"]!.addingTimeInterval(180))
            #expect(d1.finishedAt == requestedAt["d-1"]!.addingTimeInterval(480) && d1.finishedBy == "ci")
            #expect(!d1.breakGlass && !d1.allowUnrecorded && d1.rollback == nil)
            #expect(d1.commit == "c0ffee1")

            let d3 = try #require(all["d-3"])
            #expect(
                d3.outcome == .rejected && d3.finishedBy == "carol" && d3.outcomeReason == "needs a security review"
            )
            #expect(d3.startedAt == nil && d3.approvers.isEmpty)

            let d4 = try #require(all["d-4"])
            #expect(d4.outcome == .cancelled && d4.finishedBy == "erin" && d4.approvers == ["alice", "bob"])
            #expect(d4.countedApprovers == nil)

            let d5 = try #require(all["d-5"])
            #expect(d5.outcome == .failed && d5.outcomeReason == "health checks failed")
            #expect(d5.finishedAt == requestedAt["d-5"]!.addingTimeInterval(120))

            let d6 = try #require(all["d-6"])
            #expect(d6.outcome == .rolledBack)
            let rollback = try #require(d6.rollback)
            #expect(rollback.startedBy == "alice" && !rollback.automatic && rollback.alarm == nil)
            #expect(rollback.toVersion == "1.0.0" && rollback.finishedBy == "alice")
            #expect(rollback.finishedAt == rollback.startedAt.addingTimeInterval(60))

            let d7 = try #require(all["d-7"])
            #expect(d7.breakGlass && d7.breakGlassReason == "hotfix for the outage")
            #expect(d7.startedBy == "root" && d7.countedApprovers == [] && d7.outcome == .succeeded)

            let d8 = try #require(all["d-8"])
            #expect(d8.allowUnrecorded && d8.outcome == .succeeded)

            #expect(try await queries.deploy(id: "d-5") == d5)
            #expect(try await queries.deploy(id: "d-404") == nil)
        }
    }

    @Test("a second approval by the same person is refused; history lists each approver once")
    func repeatedApproval() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            try await story.setUp()
            try await story.recordBuild("web", "1.0.0")
            try await story.request("d-1", version: "1.0.0", by: story.carol)
            try await story.approve("d-1", by: story.alice)
            try await Projector(pool: database.pool).catchUp()
            story.advance(60)
            await #expect(throws: LedgerError.self) { try await story.approve("d-1", by: story.alice) }
            try await story.approve("d-1", by: story.bob)
            try await Projector(pool: database.pool).catchUp()
            let entry = try #require(try await LedgerQueries(pool: database.pool).deploy(id: "d-1"))
            #expect(entry.approvers == ["alice", "bob"])
            #expect(entry.approvalCount == 2)
            #expect(entry.outcome == .requested)
        }
    }
}
