import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres
import Synchronization

/// `shiplog bench api`: a real `shiplog serve` (a child process) recording builds for
/// concurrent API clients with a token, beside the plain-INSERT ceiling of the same PostgreSQL.
struct BenchAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "The server's append throughput: concurrent API clients recording builds vs plain INSERTs.",
        discussion: """
            Each round runs, on a scratch database: plain single-row INSERTs with --clients \
            connections (the ceiling), then --clients pipelines each sending POST /v1/builds with a \
            token to a real shiplog serve: every request is checked, decided by the domain, signed \
            by the server's key and appended through group commit, over HTTP/1.1 keep-alive. Rates \
            are the median over rounds; latency (per request) is pooled. Target: 0.8× the ceiling.
            """)

    @Option(name: .customLong("database"), help: "The scratch database.") var scratch = "shiplog_bench_api"
    @Option(parsing: .unconditional, help: "Concurrent clients.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var clients = 16
    @Option(parsing: .unconditional, help: "Requests (and INSERTs) per scenario per round.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var requests = 2_000
    @Option(parsing: .unconditional, help: "Rounds; the median round is reported.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var rounds = 3
    @Option(parsing: .unconditional, help: "Port for the server.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var port = 18_095
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: true, maximumConnections: clients)
        try await pool.withConnection { try await AppendBench.createCeilingTable(on: $0) }
        // The ledger: an admin, the server's key, and a pipeline's token that may record builds.
        let ledger = LedgerService(store: LedgerStore(events: EventStore(pool: pool)))
        let admin = SigningKey.generate(), server = SigningKey.generate()
        _ = try await ledger.initialize(admin: "admin", key: admin)
        _ = try await ledger.enrollApprover(
            name: "shiplog-server", publicKey: server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot, key: admin)
        let token = try await ledger.issueToken(id: "bench", label: "bench", scopes: ["build"], expiresAt: nil, key: admin).secret

        let serve = try await BenchServer.start(port: port, pool: pool, key: server)
        defer { serve.stop() }
        let http = HTTPClient(maxConcurrentTransfers: clients, label: "shiplog.bench.api")
        let base = "http://127.0.0.1:\(port)"
        guard try await BenchRollback.wait(for: base + "/healthz", http: http) else {
            throw ValidationError("shiplog serve did not start on port \(port)")
        }

        var results = [
            Measurement(name: "plain INSERT, \(clients) connections (ceiling)"),
            Measurement(name: "POST /v1/builds, \(clients) API clients"),
        ]
        let builds = CommandBench.Counter()
        let headers = [(name: "Authorization", value: "Bearer \(token)"), (name: "Content-Type", value: "application/json")]
        print("\(rounds) rounds; \(requests) requests (and INSERTs) per scenario per round; \(clients) clients\n")
        // Round 0 warms caches and connections and is not reported.
        for round in 0...rounds {
            let requests = round == 0 ? clients * 10 : self.requests
            if round == 1 { results = results.map { Measurement(name: $0.name) } }
            let supply = try Workload.Supply(requests)
            try await Measurement.measure(&results[0], operations: requests, writers: clients) {
                try await AppendBench.plainInsert(pool, supply.next())
            }
            // Bodies made beforehand: what is timed is the request, not the making of it.
            var bodies: [[UInt8]] = []
            for _ in 0..<requests {
                let number = await builds.next()
                let digest = Hex.encode(SHA256.hash(Array("build \(number)".utf8)))
                bodies.append(
                    Array(#"{"service":"svc-\#(number % 50)","version":"1.\#(number).0","artifact":"sha256:\#(digest)","commit":"c\#(number)"}"#.utf8))
            }
            let queue = Bodies(bodies)
            try await Measurement.measure(&results[1], operations: requests, writers: clients) {
                let response = try await http.send(
                    HTTPRequest(method: .post, url: base + "/v1/builds", headers: headers, body: queue.next()), retry: .never)
                guard response.status == 201 else {
                    throw ValidationError("POST /v1/builds answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
                }
            }
            if round > 0 { FileHandle.standardError.write(Data("round \(round) of \(rounds) done\n".utf8)) }
        }
        serve.stop()
        let verification = try await ChainVerifier(pool: pool).verify()
        guard verification.ok else { throw ValidationError("the benchmark's ledger does not verify: \(verification.reason ?? "")") }

        let ceiling = results[0].medianEventsPerSecond
        var table = Table("scenario", "events", "events/s", "vs ceiling", "target", "p50 ms", "p99 ms")
        for (index, result) in results.enumerated() {
            table.add(
                result.name, String(result.totalEvents), String(format: "%.0f", result.medianEventsPerSecond),
                String(format: "%.2f×", result.medianEventsPerSecond / ceiling), index == 1 ? "0.80×" : "-",
                String(format: "%.2f", result.percentile(0.5) * 1000), String(format: "%.2f", result.percentile(0.99) * 1000))
        }
        print(table.rendered)
        print("\nceiling = plain single-row INSERTs with \(clients) connections on the same PostgreSQL; an API request records one build (one event)")
    }

    /// Request bodies handed out once each.
    final class Bodies: Sendable {
        private let bodies: [[UInt8]]
        private let taken = Mutex(0)

        init(_ bodies: [[UInt8]]) { self.bodies = bodies }

        func next() -> [UInt8] {
            let index = taken.withLock { taken in
                defer { taken += 1 }
                return taken
            }
            return bodies[index % bodies.count]
        }
    }
}
