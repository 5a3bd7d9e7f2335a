import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

@Suite("Projection: audit by actor")
struct AuditProjectionTests {
    @Test("everything a person did, in order, each in one line")
    func everythingInOrder() async throws {
        try await ProjectionTestDatabase.withFresh { database in
            let story = ProjectionStory(store: EventStore(pool: database.pool))
            try await story.setUp()
            try await story.recordBuild("web", "1.0.0")
            try await story.request("d-1", version: "1.0.0", by: story.alice)
            try await story.approve("d-1", by: story.bob)
            // A Slack approval is appended by the server, not by the person: it is still erin's.
            try await story.approve("d-1", by: story.erin, appendedAs: "system")
            try await story.lock("prod", reason: "incident 7", by: story.alice)
            try await story.cancel("d-1", by: story.alice)
            let queries = LedgerQueries(pool: database.pool)

            let alice = try await queries.audit(actor: "alice")
            #expect(
                alice.map(\.type) == [
                    "DeployRequested", "ActiveDeployOpened", "EnvironmentLocked", "DeployCancelled",
                    "ActiveDeployClosed",
                ]
            )
            #expect(alice.map(\.position) == alice.map(\.position).sorted())
            #expect(alice[0].summary == "requested web 1.0.0 to prod (d-1)")
            #expect(alice[0].stream == "deploy-d-1")
            #expect(alice[2].summary == "locked prod: incident 7")
            #expect(alice.allSatisfy { $0.actor == "alice" })

            let erin = try await queries.audit(actor: "erin")
            #expect(erin.map(\.summary) == ["approved d-1 (web 1.0.0 to prod) via cli"])
            #expect(try await queries.audit(actor: "bob").map(\.type) == ["DeployApproved"])

            let latest = try await queries.audit(actor: "alice", limit: 2)
            #expect(latest.map(\.type) == ["DeployCancelled", "ActiveDeployClosed"])
            let root = try await queries.audit(actor: "root")
            #expect(root.first?.summary == "initialized the ledger with admin root")
            #expect(root.contains { $0.summary == "enrolled carol (person) for staging" })
            #expect(try await queries.audit(actor: "nobody").isEmpty)
        }
    }
}
