import Foundation
import Testing

@testable import ShiplogHTTP

@Suite("HTTPClient over loopback")
struct HTTPClientTests {
    let client = HTTPClient()

    @Test("GET returns the status, headers and body the server sent")
    func getReturnsStatusHeadersAndBody() async throws {
        let server = try LoopbackServer([
            .respond(status: 200, headers: [("Content-Type", "text/plain"), ("X-Request-Id", "r-1")], body: "hello")
        ])
        defer { server.stop() }

        let response = try await client.send(HTTPRequest(url: server.baseURL + "/status?verbose=1"))

        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/plain")
        #expect(response.header("X-REQUEST-ID") == "r-1")
        #expect(response.header("Content-Length") == "5")
        #expect(response.text == "hello")
        #expect(server.requests.map(\.method) == ["GET"])
        #expect(server.requests.first?.path == "/status?verbose=1")
        #expect(server.requests.first?.body == [])
    }

    @Test("POST sends the exact body bytes and the headers in order, without Expect")
    func postSendsExactBodyAndHeaders() async throws {
        let server = try LoopbackServer([.respond(status: 200, body: "ok")])
        defer { server.stop() }
        let body: [UInt8] = Array(#"{"text":"deploy d-42 ✅"}"#.utf8) + [0x00, 0xFF, 0x0A]

        let response = try await client.send(
            HTTPRequest(
                method: .post,
                url: server.baseURL + "/api/chat.postMessage",
                headers: [
                    ("Content-Type", "application/json; charset=utf-8"),
                    ("Authorization", "Bearer xoxb-test"),
                    ("X-Empty", ""),
                    ("X-Shiplog-Trace", "t-1"),
                ],
                body: body
            )
        )

        #expect(response.text == "ok")
        let received = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(received.method == "POST")
        #expect(received.path == "/api/chat.postMessage")
        #expect(received.body == body)
        #expect(received.header("Content-Length") == "\(body.count)")
        #expect(received.header("Content-Type") == "application/json; charset=utf-8")
        #expect(received.header("Authorization") == "Bearer xoxb-test")
        #expect(received.header("X-Empty") == "")
        #expect(received.header("Expect") == nil)
        let order = received.headers.map(\.name).filter {
            ["Content-Type", "Authorization", "X-Empty", "X-Shiplog-Trace"].contains($0)
        }
        #expect(order == ["Content-Type", "Authorization", "X-Empty", "X-Shiplog-Trace"])
    }

    @Test("an empty POST is sent as a POST with Content-Length 0")
    func emptyPost() async throws {
        let server = try LoopbackServer([.respond(status: 200)])
        defer { server.stop() }

        _ = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/ack"))

        #expect(server.requests.first?.method == "POST")
        #expect(server.requests.first?.header("Content-Length") == "0")
    }

    @Test("other methods go out as given, with or without a body")
    func otherMethods() async throws {
        let server = try LoopbackServer([.respond(status: 204)])
        defer { server.stop() }

        _ = try await client.send(HTTPRequest(method: .put, url: server.baseURL + "/x", body: Array("v2".utf8)))
        _ = try await client.send(HTTPRequest(method: .delete, url: server.baseURL + "/x"))
        let head = try await client.send(HTTPRequest(method: .head, url: server.baseURL + "/x"))

        #expect(server.requests.map(\.method) == ["PUT", "DELETE", "HEAD"])
        #expect(server.requests.map(\.body) == [Array("v2".utf8), [], []])
        #expect(head.status == 204)
    }

    @Test("a server that never answers ends in a .timeout error")
    func silentServerTimesOut() async throws {
        let server = try LoopbackServer([.silence])
        defer { server.stop() }
        let started = ContinuousClock.now

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(
                HTTPRequest(url: server.baseURL + "/slow", timeout: .milliseconds(300)),
                retry: .never
            )
        }

        #expect(error?.code == .timeout)
        #expect(error?.url == server.baseURL + "/slow")
        #expect(server.requests.count == 1)
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test("a refused connection is .connectionFailed naming host and port, and no credentials")
    func refusedConnection() async throws {
        let port = try LoopbackServer.refusingPort()
        let secrets = ["hunter2", "webhooksecret", "querysecret", "xoxb-secret", "SECRETKEYEXAMPLE", "TOKENEXAMPLE"]
        let request = HTTPRequest(
            method: .post,
            url: "http://deployer:hunter2@127.0.0.1:\(port)/hooks/T0/webhooksecret?token=querysecret",
            headers: [("Authorization", "Bearer xoxb-secret")],
            body: Array("{}".utf8)
        )
        let signing = AWSSigV4(
            region: "us-east-1",
            service: "ecs",
            accessKeyId: "AKIDEXAMPLE",
            secretAccessKey: "SECRETKEYEXAMPLE",
            sessionToken: "TOKENEXAMPLE"
        )

        let error = try #require(
            await #expect(throws: HTTPError.self) {
                try await client.send(request, retry: .never, signing: signing)
            }
        )

        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("127.0.0.1"))
        #expect(error.description.contains("\(port)"))
        #expect(error.url == "http://127.0.0.1:\(port)/hooks/T0/...")
        let everything = [error.description, error.message, error.url ?? "", error.curlMessage ?? ""].joined()
        for secret in secrets {
            #expect(!everything.contains(secret), "error text leaks \(secret)")
        }
    }

    @Test(
        "a URL that is not absolute http(s) is .invalidURL",
        arguments: ["ftp://127.0.0.1/file", "127.0.0.1/no-scheme", "http://[::1/", "http://"]
    )
    func invalidURL(_ url: String) async throws {
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(url: url), retry: .never)
        }
        #expect(error?.code == .invalidURL)
    }

    @Test(
        "a header that could inject another header is rejected before sending",
        arguments: [("X-Note", "a\r\nX-Evil: 1"), ("Bad Name", "v"), ("X-Nul", "a\u{0}b")]
    )
    func headerInjection(_ header: (String, String)) async throws {
        let server = try LoopbackServer([.respond(status: 200)])
        defer { server.stop() }

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(url: server.baseURL, headers: [header]), retry: .never)
        }

        #expect(error?.code == .invalidRequest)
        #expect(server.requests.isEmpty)
    }

    @Test("cancelling the task stops a request that is waiting for an answer")
    func cancellation() async throws {
        let server = try LoopbackServer([.silence])
        defer { server.stop() }
        let client = self.client
        let started = ContinuousClock.now
        let task = Task {
            try await client.send(HTTPRequest(url: server.baseURL, timeout: .seconds(120)), retry: .never)
        }
        for _ in 0..<1000 where server.requests.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.requests.count == 1)

        task.cancel()
        let result = await task.result

        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
