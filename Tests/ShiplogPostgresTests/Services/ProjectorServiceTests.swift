import Foundation
import Logging
import ServiceLifecycle
import ShiplogCore
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

@Suite("The projector as a service")
struct ProjectorServiceTests {
    @Test("while it runs, the projections follow new commands; graceful shutdown ends it")
    func followsTheLogAndStops() async throws {
        let story = try await TrustStory.make()
        let pool = PostgresPool(configuration: story.login, maximumConnections: 2)
        // A poll far longer than the test: only the append's NOTIFY can wake it in time.
        let service = ProjectorService(projector: Projector(pool: pool), pollInterval: .seconds(3600))
        let group = ServiceGroup(services: [service], logger: Logger(label: "shiplog.test"))
        let running = Task { try await group.run() }

        let id = try await story.request()
        try await waitUntil("the projector to show the request") {
            try await LedgerQueries(pool: pool).deploy(id: id.rawValue) != nil
        }

        await group.triggerGracefulShutdown()
        try await running.value
        let position = try await Projector(pool: pool).position()
        #expect(position.checkpoint == position.head)
    }
}
