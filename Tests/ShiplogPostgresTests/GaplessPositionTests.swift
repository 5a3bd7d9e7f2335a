import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

/// Design invariants 2 and 6: one gapless order, also when a server coalesces appends.
@Suite("Gapless positions under concurrent writers")
struct GaplessPositionTests {
    enum Path: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// 16 writers, each with its own connection, each append its own transaction.
        case direct
        /// 16 writers sharing one group-commit store, whose batcher coalesces their appends.
        case groupCommit
        /// 8 direct writers and 8 sharing a group-commit store, all at once.
        case mixed
        /// 16 writers sharing a group-commit store that keeps two groups in flight, each on its
        /// own connection (split from two units up), so groups wait for each other's lock.
        case twoGroupsInFlight

        var testDescription: String { rawValue }
    }

    @Test(
        "16 writers × 50 appends to assorted streams: positions 1...N, stream versions 1...n, chain ok",
        arguments: Path.allCases
    )
    func concurrentWritersLeaveNoGaps(path: Path) async throws {
        let database = try await TestDatabase.create()
        let shared = database.store(maximumConnections: 16, groupCommit: true)
        let pipelined = EventStore(
            batcher: AppendBatcher(pool: database.pool(maximumConnections: 2), maximumGroupsInFlight: 2, minimumConcurrentGroup: 2))
        let writers = (0..<16).map { writer -> EventStore in
            switch path {
            case .direct: database.store(maximumConnections: 1)
            case .groupCommit: shared
            case .mixed: writer.isMultiple(of: 2) ? database.store(maximumConnections: 1) : shared
            case .twoGroupsInFlight: pipelined
            }
        }

        let appended = try await withThrowingTaskGroup(of: [(ids: [UUID], result: AppendResult)].self) { group in
            for (writer, store) in writers.enumerated() {
                group.addTask {
                    var landed: [(ids: [UUID], result: AppendResult)] = []
                    for append in 0..<50 {
                        let batch = try (0...(append % 3)).map { _ in
                            try testEvent(payload: #"{"writer":\#(writer),"append":\#(append)}"#)
                        }
                        let stream = "deploy-service-\((writer + append) % 7)"
                        landed.append((batch.map(\.id), try await store.append(batch, to: stream)))
                    }
                    return landed
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        let store = database.store()
        let log = try await store.all()
        let total = appended.reduce(0) { $0 + $1.ids.count }
        #expect(total == 16 * (17 * 1 + 17 * 2 + 16 * 3))
        #expect(log.map(\.position) == Array(1...Int64(total)))
        #expect(Set(log.map(\.id)) == Set(appended.flatMap(\.ids)))

        // Each append landed as one consecutive run holding exactly its own events, in order.
        let byPosition = Dictionary(uniqueKeysWithValues: log.map { ($0.position, $0) })
        for (ids, result) in appended {
            #expect(result.wasDuplicate == false)
            #expect(result.lastPosition - result.firstPosition + 1 == Int64(ids.count))
            #expect((result.firstPosition...result.lastPosition).map { byPosition[$0]?.id } == ids)
            #expect(byPosition[result.lastPosition]?.streamVersion == result.streamVersion)
        }

        // Within each stream, versions count up from 1 in log order.
        for (stream, events) in Dictionary(grouping: log, by: \.stream) {
            #expect(events.map(\.streamVersion) == Array(1...Int64(events.count)), "stream \(stream)")
        }

        if path == .twoGroupsInFlight {
            #expect(await pipelined.batcher?.mostInFlight == 2)
        }

        let verification = try await ChainVerifier(pool: database.pool()).verify(chainOnly: true)
        #expect(verification.ok)
        #expect(verification.events == Int64(total))
        #expect(verification.head.position == Int64(total))
        #expect(try await store.head().position == Int64(total))
    }

    @Test("a group-commit request PostgreSQL rejects fails alone; the requests sharing its group land")
    func poisonedRequestFailsAlone() async throws {
        let database = try await TestDatabase.create()
        let store = database.store(maximumConnections: 4, groupCommit: true)
        var poisoned = try testEvent()
        // NewEvent checks JSON when built; a caller that edits it afterwards gets PostgreSQL's check.
        poisoned.payload = "{not json"

        let outcomes = try await withThrowingTaskGroup(of: (Int, Result<AppendResult, any Error>).self) { group in
            for index in 0..<20 {
                let event = index == 7 ? poisoned : try testEvent(payload: #"{"n":\#(index)}"#)
                group.addTask {
                    do {
                        return (index, .success(try await store.append([event], to: "deploy-\(index)")))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            return try await group.reduce(into: [Int: Result<AppendResult, any Error>]()) { $0[$1.0] = $1.1 }
        }

        for (index, outcome) in outcomes {
            switch outcome {
            case .success(let result):
                #expect(index != 7, "the poisoned append landed at \(result.firstPosition)")
            case .failure(let error):
                #expect(index == 7, "append \(index) failed: \(error)")
                #expect((error as? PostgresError)?.sqlState == "22P02")
            }
        }
        #expect(try await store.all().map(\.position) == Array(1...19))
        #expect(try await ChainVerifier(pool: database.pool()).verify(chainOnly: true).ok)
    }
}
