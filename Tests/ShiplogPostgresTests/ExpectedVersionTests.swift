import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

/// Design invariant 4: each append names the version it expects, and two racing writers
/// cannot both append on top of the same version.
@Suite("Optimistic concurrency: expected stream versions")
struct ExpectedVersionTests {
    enum RaceOutcome: Sendable {
        case won(AppendResult)
        case lost(expected: Int64, AppendError)
    }

    /// Every writer reads the stream's version, waits until all have read it, then appends
    /// expecting that version.
    private func race(_ stores: [EventStore], on stream: String) async throws -> [RaceOutcome] {
        let barrier = Barrier(parties: stores.count)
        return try await withThrowingTaskGroup(of: RaceOutcome.self) { group in
            for store in stores {
                group.addTask {
                    let version = try await store.streamVersion(stream)
                    await barrier.arriveAndWait()
                    do {
                        return .won(try await store.append([testEvent()], to: stream, expectedVersion: .exact(version)))
                    } catch let error as AppendError {
                        return .lost(expected: version, error)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("20 writers, each on its own connection, race for every version: one wins, 19 learn the actual version")
    func racingWritersOnOwnConnections() async throws {
        let database = try await TestDatabase.create()
        let stores = (0..<20).map { _ in database.store(maximumConnections: 1) }
        let stream = "deploy-api-production"

        for round in Int64(0)..<5 {
            let outcomes = try await race(stores, on: stream)

            let winners = outcomes.compactMap { if case .won(let result) = $0 { result } else { nil } }
            let losers = outcomes.compactMap {
                if case .lost(let expected, let error) = $0 { (expected, error) } else { nil }
            }
            try #require(winners.count == 1, "round \(round): \(winners.count) writers won")
            #expect(winners[0].streamVersion == round + 1)
            #expect(winners[0].wasDuplicate == false)
            #expect(losers.count == 19)
            for (expected, error) in losers {
                #expect(expected == round)
                #expect(error.code == .wrongExpectedVersion)
                #expect(error.stream == stream)
                #expect(error.expected == .exact(round))
                #expect(error.actualVersion == round + 1)
                #expect(error.description.contains("version conflict"))
            }
        }

        let events = try await stores[0].read(stream: stream)
        #expect(events.map(\.streamVersion) == [1, 2, 3, 4, 5])
        #expect(try await stores[0].rowCount() == 5)
    }

    @Test("with group commit, racing appends that share one transaction still let only one win")
    func racingWritersThroughGroupCommit() async throws {
        let database = try await TestDatabase.create()
        let store = database.store(maximumConnections: 4, groupCommit: true)
        try await store.append([testEvent()], to: "deploy-web-staging")

        let outcomes = try await race(Array(repeating: store, count: 20), on: "deploy-web-staging")

        let winners = outcomes.compactMap { if case .won(let result) = $0 { result } else { nil } }
        let errors = outcomes.compactMap { if case .lost(_, let error) = $0 { error } else { nil } }
        #expect(winners.count == 1)
        #expect(winners.first?.streamVersion == 2)
        #expect(errors.count == 19)
        #expect(errors.allSatisfy { $0.code == .wrongExpectedVersion && $0.actualVersion == 2 })
        #expect(try await store.streamVersion("deploy-web-staging") == 2)
    }

    @Test("with group commit, commands sharing one transaction each land whole or not at all")
    func commandsThroughGroupCommit() async throws {
        let database = try await TestDatabase.create()
        let store = database.store(maximumConnections: 4, groupCommit: true)
        try await store.append([testEvent()], to: "slot-web")
        // Ten commands, each to its own release stream and the shared slot at version 1: one wins.
        let outcomes = await withTaskGroup(of: Result<[AppendResult], any Error>.self) { group in
            for index in 0..<10 {
                group.addTask {
                    do {
                        return .success(
                            try await store.appendAtomically([
                                AppendRequest(
                                    stream: "release-\(index)", expectedVersion: .noStream,
                                    events: [try testEvent(), try testEvent()]),
                                AppendRequest(stream: "slot-web", expectedVersion: .exact(1), events: [try testEvent()]),
                            ]))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let landed = outcomes.compactMap { try? $0.get() }
        #expect(landed.count == 1)
        #expect(landed.first?.map { $0.streamVersion } == [2, 2])
        #expect(
            outcomes.allSatisfy {
                if case .failure(let error as AppendError) = $0 { return error.code == .wrongExpectedVersion && error.stream == "slot-web" }
                return true
            })
        // Nothing of a refused command was written: 1 + 3 events.
        #expect(try await store.rowCount() == 4)
        #expect(try await ChainVerifier(pool: database.pool()).verify(chainOnly: true).ok)
    }

    @Test("expecting no stream twice: the second append conflicts with version 1")
    func noStreamTwice() async throws {
        let store = try await TestDatabase.create().store()

        let first = try await store.append([testEvent()], to: "lock-production", expectedVersion: .noStream)
        #expect(first.streamVersion == 1)
        #expect(first.firstPosition == 1)

        let error = try await #require(throws: AppendError.self) {
            try await store.append([testEvent()], to: "lock-production", expectedVersion: .noStream)
        }
        #expect(error.code == .wrongExpectedVersion)
        #expect(error.actualVersion == 1)
        #expect(error.expected == .noStream)
        #expect(try await store.rowCount() == 1)
    }

    @Test("an exact version the stream has not reached, or on a stream that does not exist, conflicts")
    func exactVersionAhead() async throws {
        let store = try await TestDatabase.create().store()
        try await store.append([testEvent(), testEvent()], to: "deploy-api-production")

        let ahead = try await #require(throws: AppendError.self) {
            try await store.append([testEvent()], to: "deploy-api-production", expectedVersion: .exact(5))
        }
        #expect(ahead.code == .wrongExpectedVersion)
        #expect(ahead.actualVersion == 2)

        let missing = try await #require(throws: AppendError.self) {
            try await store.append([testEvent()], to: "deploy-nothing-here", expectedVersion: .exact(1))
        }
        #expect(missing.actualVersion == 0)
        #expect(missing.description.contains("does not exist yet"))

        let any = try await store.append([testEvent()], to: "deploy-api-production", expectedVersion: .any)
        #expect(any.streamVersion == 3)
        #expect(try await store.rowCount() == 3)
    }

    @Test("an atomic append to several streams lands whole or not at all")
    func atomicMultiStreamAppend() async throws {
        let store = try await TestDatabase.create().store()
        try await store.append([testEvent()], to: "environment-production")

        let error = try await #require(throws: AppendError.self) {
            try await store.appendAtomically([
                AppendRequest(stream: "deploy-d-42", expectedVersion: .noStream, events: [try testEvent()]),
                AppendRequest(stream: "environment-production", expectedVersion: .noStream, events: [try testEvent()]),
            ])
        }
        #expect(error.code == .wrongExpectedVersion)
        #expect(error.stream == "environment-production")
        #expect(error.actualVersion == 1)
        #expect(try await store.streamVersion("deploy-d-42") == 0)
        #expect(try await store.head().position == 1)

        let results = try await store.appendAtomically([
            AppendRequest(stream: "deploy-d-42", expectedVersion: .noStream, events: [try testEvent()]),
            AppendRequest(stream: "environment-production", expectedVersion: .exact(1), events: [try testEvent()]),
        ])
        #expect(results.map(\.firstPosition) == [2, 3])
        #expect(results.map(\.streamVersion) == [1, 2])
    }
}
