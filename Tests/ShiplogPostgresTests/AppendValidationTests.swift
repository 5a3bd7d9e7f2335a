import Foundation
import ShiplogTestSupport
import ShiplogCore
import ShiplogPostgres
import Testing

/// Unusable appends are refused before they reach the log, on both append paths.
@Suite("Unusable appends")
struct AppendValidationTests {
    @Test(
        "an append with no events, or to an empty or multi-line stream name, is an invalid request",
        arguments: [false, true]
    )
    func invalidRequests(groupCommit: Bool) async throws {
        let store = try await TestDatabase.create().store(groupCommit: groupCommit)
        let requests: [(stream: String, events: [NewEvent])] = [
            ("deploy-d-1", []),
            ("", [try testEvent()]),
            ("deploy-d-1\nforged-line", [try testEvent()]),
        ]

        for request in requests {
            let error = try await #require(throws: AppendError.self) {
                try await store.append(request.events, to: request.stream)
            }
            #expect(error.code == .invalidRequest, "\(request.stream.debugDescription)")
        }
        #expect(try await store.rowCount() == 0)
        #expect(try await store.head().position == 0)
    }

    @Test("an event whose payload or metadata is not JSON cannot be built")
    func eventsAreCheckedWhenBuilt() {
        #expect(throws: EventValidationError.self) {
            try NewEvent(type: "ReleaseNoted", payload: "{service: api}", actor: "alice")
        }
        #expect(throws: EventValidationError.self) {
            try NewEvent(type: "ReleaseNoted", payload: "{}", metadata: "", actor: "alice")
        }
        #expect(throws: EventValidationError.self) { try NewEvent(type: "", payload: "{}", actor: "alice") }
    }
}
