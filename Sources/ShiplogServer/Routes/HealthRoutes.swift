import Foundation
import Hummingbird
import Logging
import ShiplogPostgres

/// `GET /healthz` (the process answers), `GET /readyz` (the database answers, its schema is
/// current, and how far the projections lag) and `GET /metrics` (Prometheus text).
struct HealthRoutes {
    let pool: PostgresPool
    /// The server's judged trust, whose counts `/metrics` reports.
    var trust: TrustCache? = nil

    struct Readiness: Codable, ResponseEncodable {
        var ready: Bool
        var database: String
        var projectorLag: Int64?
    }

    let logger = Logger(label: "shiplog.health")

    func add(to router: Router<ShiplogRequestContext>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let readiness = await readiness()
            let body = try JSONEncoder().encode(readiness)
            return Response(
                status: readiness.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("metrics") { _, _ -> Response in
            if let lag = try? await Projector(pool: pool).position() { ServerMetrics.projectorLag.record(lag.head - lag.checkpoint) }
            if let counts = trust?.counts {
                ServerMetrics.judgedFromTrust.record(counts.continued)
                ServerMetrics.judgedFromTheStart.record(counts.fromTheStart)
                ServerMetrics.trustJudged.record(counts.judged)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: ServerMetrics.registry.emitToBuffer())))
        }
    }

    private func readiness() async -> Readiness {
        do {
            try await pool.withConnection { try await Migrator().requireCurrent(on: $0) }
            let position = try await Projector(pool: pool).position()
            let lag = position.head - position.checkpoint
            ServerMetrics.projectorLag.record(lag)
            return Readiness(ready: true, database: "ok", projectorLag: lag)
        } catch {
            logger.warning("not ready", metadata: ["error": "\(error)"])
            let reason = (error as? MigrationError) != nil ? "migrations pending: run shiplog migrate" : "the database does not answer"
            return Readiness(ready: false, database: reason, projectorLag: nil)
        }
    }
}
