import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

/// Design invariant 5: a retried append (same event ids) lands once and answers with the
/// original positions.
@Suite("Idempotent appends")
struct IdempotencyTests {
    @Test("a retry of the same event returns the original position, marked duplicate, and writes nothing")
    func retryReturnsOriginalPosition() async throws {
        let store = try await TestDatabase.create().store()
        try await store.append([testEvent()], to: "deploy-d-1")
        let event = try testEvent("ApprovalGiven", payload: #"{"approver":"bob"}"#)

        let original = try await store.append([event], to: "deploy-d-42", expectedVersion: .noStream)
        let headBefore = try await store.head()
        // The retry still names the version the original expected: that is what a retry resends.
        let retry = try await store.append([event], to: "deploy-d-42", expectedVersion: .noStream)

        #expect(original.wasDuplicate == false)
        #expect(original.firstPosition == 2)
        #expect(retry.wasDuplicate == true)
        #expect(retry.firstPosition == original.firstPosition)
        #expect(retry.lastPosition == original.lastPosition)
        #expect(retry.streamVersion == original.streamVersion)
        #expect(retry.stream == "deploy-d-42")
        #expect(try await store.head() == headBefore)
        #expect(try await store.rowCount() == 2)
    }

    @Test("a retried batch returns the original first and last positions, even after the stream moved on")
    func retriedBatch() async throws {
        let store = try await TestDatabase.create().store()
        let batch = try (1...3).map { try testEvent(payload: #"{"step":\#($0)}"#) }

        let original = try await store.append(batch, to: "deploy-d-7")
        try await store.append([testEvent()], to: "deploy-d-7")
        let retry = try await store.append(batch, to: "deploy-d-7", expectedVersion: .noStream)

        #expect(original.firstPosition == 1)
        #expect(original.lastPosition == 3)
        #expect(retry.wasDuplicate)
        #expect(retry.firstPosition == 1)
        #expect(retry.lastPosition == 3)
        #expect(retry.streamVersion == 3)
        #expect(try await store.rowCount() == 4)
    }

    @Test("the same id with a different payload is refused as a reused id, and nothing is written")
    func sameIDDifferentPayload() async throws {
        let store = try await TestDatabase.create().store()
        let id = UUID()
        try await store.append([testEvent(payload: #"{"version":"1.0.0"}"#, id: id)], to: "deploy-d-42")

        let error = try await #require(throws: AppendError.self) {
            try await store.append([testEvent(payload: #"{"version":"2.0.0"}"#, id: id)], to: "deploy-d-42")
        }
        #expect(error.code == .idReused)
        #expect(error.stream == "deploy-d-42")
        #expect(try await store.rowCount() == 1)
        #expect(try await store.all().map(\.payload) == [#"{"version":"1.0.0"}"#])
    }

    @Test("the same id sent to another stream is refused as a reused id")
    func sameIDOtherStream() async throws {
        let store = try await TestDatabase.create().store()
        let event = try testEvent()
        try await store.append([event], to: "deploy-d-1")

        let error = try await #require(throws: AppendError.self) {
            try await store.append([event], to: "deploy-d-2")
        }
        #expect(error.code == .idReused)
        #expect(try await store.streamVersion("deploy-d-2") == 0)
    }

    @Test("a batch that holds one id twice is refused before anything is written")
    func sameIDTwiceInOneBatch() async throws {
        let database = try await TestDatabase.create()
        for store in [database.store(), database.store(groupCommit: true)] {
            let event = try testEvent()
            let error = try await #require(throws: AppendError.self) {
                try await store.append([event, event], to: "deploy-d-42")
            }
            #expect(error.code == .invalidRequest)
            #expect(error.description.contains(event.id.uuidString.lowercased()))
            #expect(try await store.rowCount() == 0)
        }
    }

    @Test("retries through group commit, even racing their original, land once")
    func retriesThroughGroupCommit() async throws {
        let store = try await TestDatabase.create().store(groupCommit: true)
        let events = try (0..<10).map { try testEvent(payload: #"{"n":\#($0)}"#) }

        // Each event is sent three times at once, as a double-clicked button would.
        let results = try await withThrowingTaskGroup(of: (UUID, AppendResult).self) { group in
            for event in events {
                for _ in 0..<3 {
                    group.addTask { (event.id, try await store.append([event], to: "deploy-d-\(event.id)")) }
                }
            }
            return try await group.reduce(into: [UUID: [AppendResult]]()) { $0[$1.0, default: []].append($1.1) }
        }

        #expect(try await store.rowCount() == 10)
        for event in events {
            let answers = try #require(results[event.id])
            #expect(answers.count == 3)
            #expect(Set(answers.map(\.firstPosition)).count == 1, "one position for every answer about \(event.id)")
            #expect(answers.filter { !$0.wasDuplicate }.count == 1)
        }
        #expect(Set(results.values.map { $0[0].firstPosition }) == Set(1...10))
    }
}
