import Foundation
import Testing

@testable import ShiplogHTTP

@Suite("HTTPClient retries")
struct RetryTests {
    let client = HTTPClient()
    /// Short waits, so the suite stays fast; the waits themselves are tested in RetryPolicyTests.
    let quick = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))

    @Test("a 503 and then a 200 is retried once and succeeds")
    func serviceUnavailableThenOK() async throws {
        let server = try LoopbackServer([.respond(status: 503), .respond(status: 200, body: "done")])
        defer { server.stop() }

        let response = try await client.send(HTTPRequest(url: server.baseURL), retry: quick)

        #expect(response.status == 200)
        #expect(response.text == "done")
        #expect(server.requests.count == 2)
    }

    @Test("429 and 500/502/504 are retried too", arguments: [429, 500, 502, 504])
    func otherRetryableStatuses(_ status: Int) async throws {
        let server = try LoopbackServer([.respond(status: status), .respond(status: 200)])
        defer { server.stop() }

        let response = try await client.send(HTTPRequest(url: server.baseURL), retry: quick)

        #expect(response.status == 200)
        #expect(server.requests.count == 2)
    }

    @Test("429 with Retry-After: 1 waits about a second, then retries")
    func retryAfterIsHonoured() async throws {
        let server = try LoopbackServer([
            .respond(status: 429, headers: [("Retry-After", "1")], body: #"{"ok":false,"error":"ratelimited"}"#),
            .respond(status: 200, body: #"{"ok":true}"#),
        ])
        defer { server.stop() }
        let started = ContinuousClock.now

        let response = try await client.send(
            HTTPRequest(method: .post, url: server.baseURL + "/api/chat.postMessage", body: Array("{}".utf8)),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxDelay: .seconds(5))
        )

        #expect(response.status == 200)
        #expect(server.requests.count == 2)
        #expect(server.requests.map(\.body) == [Array("{}".utf8), Array("{}".utf8)])
        // A lower bound cannot flake: sleeping never ends early.
        #expect(ContinuousClock.now - started >= .milliseconds(950))
    }

    @Test("other 4xx are returned at once, never retried", arguments: [400, 401, 403, 404, 422])
    func clientErrorsAreNotRetried(_ status: Int) async throws {
        let server = try LoopbackServer([.respond(status: status, body: "invalid_payload"), .respond(status: 200)])
        defer { server.stop() }

        let response = try await client.send(HTTPRequest(url: server.baseURL), retry: quick)

        #expect(response.status == status)
        #expect(response.text == "invalid_payload")
        #expect(server.requests.count == 1)
    }

    @Test("after the last attempt the last response is returned for the caller to judge")
    func lastResponseAfterLastAttempt() async throws {
        let server = try LoopbackServer([.respond(status: 503, body: "still down")])
        defer { server.stop() }

        let response = try await client.send(HTTPRequest(url: server.baseURL), retry: quick)

        #expect(response.status == 503)
        #expect(response.text == "still down")
        #expect(server.requests.count == 3)
    }

    @Test("RetryPolicy.never sends exactly once")
    func neverRetries() async throws {
        let server = try LoopbackServer([.respond(status: 503), .respond(status: 200)])
        defer { server.stop() }

        let response = try await client.send(HTTPRequest(url: server.baseURL), retry: .never)

        #expect(response.status == 503)
        #expect(server.requests.count == 1)
    }

    @Test("a timed-out attempt is retried")
    func timeoutIsRetried() async throws {
        let server = try LoopbackServer([.silence, .respond(status: 200)])
        defer { server.stop() }

        let response = try await client.send(
            HTTPRequest(url: server.baseURL, timeout: .seconds(1)),
            retry: quick
        )

        #expect(response.status == 200)
        #expect(server.requests.count == 2)
    }

    @Test("a connection that stays refused throws .connectionFailed after the last attempt")
    func refusedAfterAllAttempts() async throws {
        let port = try LoopbackServer.refusingPort()

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/"), retry: quick)
        }

        #expect(error?.code == .connectionFailed)
    }
}
