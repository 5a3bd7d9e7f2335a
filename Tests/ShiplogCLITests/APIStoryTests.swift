import Foundation
import ShiplogHTTP
import ShiplogTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `/v1` API of the real `shiplog serve`, over real HTTP: a pipeline with only a token
/// (requests as curl sends them), and the CLI through the server (`SHIPLOG_URL`).
@Suite("The JSON API for pipelines, and the CLI through it")
struct APIStoryTests {
    /// The CLI story's ledger (admin, prod needs 2 approvals, alice, bob, carol; dave staging
    /// only; web 1.2.3 built), the server's key enrolled, a token `ci` for prod and staging and
    /// a token `stage` for staging only, and `shiplog serve` running on it.
    struct Setup {
        let ledger: LedgerStoryTests.Ledger
        let server: Process
        let url: String
        let ciToken: String
        let stagingToken: String

        /// The CLI with SHIPLOG_URL and SHIPLOG_TOKEN (and no database).
        var remote: ShiplogBinary {
            ShiplogBinary(environment: [
                "SHIPLOG_URL": url, "SHIPLOG_TOKEN": ciToken, "SHIPLOG_HOME": "/nonexistent/shiplog-home", "USER": "ci-runner",
            ])
        }

        /// One request, as a pipeline's curl sends it.
        func call(_ method: ShiplogHTTP.HTTPMethod, _ path: String, token: String? = nil, body: String? = nil) async throws
            -> (status: Int, json: Any?)
        {
            var headers: [(name: String, value: String)] = []
            if let token = token ?? Optional(ciToken), !token.isEmpty { headers.append((name: "Authorization", value: "Bearer \(token)")) }
            if body != nil { headers.append((name: "Content-Type", value: "application/json")) }
            let response = try await HTTPClient().send(
                ShiplogHTTP.HTTPRequest(method: method, url: url + path, headers: headers, body: Array((body ?? "").utf8)), retry: .never)
            return (response.status, try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed]))
        }

        func stop() {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
    }

    static let newDigest = "sha256:" + String(repeating: "ab", count: 32)

    static func setup() async throws -> Setup {
        let ledger = try await LedgerStoryTests.ledger()
        let run = try await ledger.ok("keys", "generate", "--out", ledger.key("server"), "--json")
        let serverKey = try #require(try run.jsonObject()["publicKey"] as? String)
        try await ledger.ok("approvers", "add", "shiplog-server", "--public-key", serverKey, "--slack-bot", "--key", ledger.key("admin"))
        let ci = try await ledger.ok("tokens", "create", "ci", "--env", "prod,staging", "--json", "--key", ledger.key("admin"))
        let stage = try await ledger.ok("tokens", "create", "stage", "--env", "staging", "--json", "--key", ledger.key("admin"))
        let port = TestProcesses.freePort()
        let server = try TestProcesses.serve(
            port: port, ["DATABASE_URL": ledger.database.conninfo, "SHIPLOG_BOT_KEY": ledger.key("server")])
        let setup = Setup(
            ledger: ledger, server: server, url: "http://127.0.0.1:\(port)",
            ciToken: try #require(try ci.jsonObject()["token"] as? String),
            stagingToken: try #require(try stage.jsonObject()["token"] as? String))
        for _ in 0..<300 {
            if (try? await HTTPClient().send(ShiplogHTTP.HTTPRequest(url: setup.url + "/healthz"), retry: .never))?.status == 200 {
                return setup
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        setup.stop()
        throw TestDatabaseError("shiplog serve did not answer /healthz within 30 s")
    }

    @Test("a pipeline with a token: build, request, gate 3, two approvals through the API, gate 0, start, succeed")
    func pipelineStory() async throws {
        let setup = try await Self.setup()
        defer { setup.stop() }

        var answer = try await setup.call(
            .post, "/v1/builds", body: #"{"service":"web","version":"2.0.0","artifact":"\#(Self.newDigest)","commit":"def456"}"#)
        #expect(answer.status == 201, "\(answer)")
        #expect((answer.json as? [String: Any])?["name"] as? String == "recordBuild")

        answer = try await setup.call(.post, "/v1/deploys", body: #"{"service":"web","environment":"prod","version":"2.0.0"}"#)
        #expect(answer.status == 201, "\(answer)")
        let id = try #require((answer.json as? [String: Any])?["id"] as? String)

        answer = try await setup.call(.get, "/v1/deploys/\(id)/gate")
        #expect(answer.status == 200)
        let gate = try #require(answer.json as? [String: Any])
        #expect(gate["allowed"] as? Bool == false)
        #expect(gate["mayApprove"] as? [String] == ["alice", "bob", "carol"], "the token requested it, so carol may approve too")
        #expect(try await setup.remote.run(["deploy", "gate", id]).status == 3)

        // People approve with their own keys, through the server.
        for person in ["alice", "bob"] {
            let approval = try await setup.remote.run(["deploy", "approve", id, "--key", setup.ledger.key(person)])
            #expect(approval.status == 0, "\(approval)")
        }
        let open = try await setup.remote.run(["deploy", "gate", id])
        #expect(open.status == 0, "\(open)")
        #expect(open.stdout.contains("2 of 2 approvals (alice, bob)"))

        answer = try await setup.call(.post, "/v1/deploys/\(id)/start")
        #expect(answer.status == 200, "\(answer)")
        answer = try await setup.call(.post, "/v1/deploys/\(id)/succeed")
        #expect(answer.status == 200, "\(answer)")

        answer = try await setup.call(.get, "/v1/deploys/\(id)")
        let deploy = try #require(answer.json as? [String: Any])
        #expect(deploy["status"] as? String == "succeeded")
        #expect(deploy["requester"] as? String == "token-ci", "recorded on the token's behalf")
        let approvals = try #require(deploy["approvals"] as? [[String: Any]])
        #expect(approvals.map { $0["approver"] as? String } == ["alice", "bob"], "recorded as the people who signed")
        #expect(approvals.allSatisfy { $0["counted"] as? Bool == true && $0["via"] as? String == "cli" })

        answer = try await setup.call(.get, "/v1/audit?actor=alice")
        let audit = try #require(answer.json as? [[String: Any]])
        #expect(audit.contains { ($0["type"] as? String) == "DeployApproved" && ($0["summary"] as? String ?? "").contains(id) })

        // Every command was decided by the domain and signed: verify judges them all.
        let verify = try await setup.ledger.ok("verify")
        #expect(verify.stdout.contains("ok"), "\(verify)")
    }

    @Test("the CLI through the server prints the same --json as on the database, and exits the same")
    func cliThroughTheServer() async throws {
        let setup = try await Self.setup()
        defer { setup.stop() }
        let remote = setup.remote, direct = setup.ledger.shiplog
        let key = setup.ledger.key

        let build = try await remote.run([
            "build", "record", "--service", "web", "--version", "2.0.0", "--artifact", Self.newDigest, "--key", key("carol"),
        ])
        #expect(build.status == 0, "\(build)")
        let request = try await remote.run(["deploy", "request", "--service", "web", "--env", "prod", "--version", "2.0.0", "--key", key("carol")])
        #expect(request.status == 0, "\(request)")
        let id = request.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let selfApproval = try await remote.run(["deploy", "approve", id, "--key", key("carol")])
        #expect(selfApproval.status == 1)
        #expect(selfApproval.stderr.contains("carol requested this deploy and cannot approve it"), "\(selfApproval)")
        let closed = try await remote.run(["deploy", "start", id, "--key", key("carol")])
        #expect(closed.status == 3, "a closed gate exits 3 through the server too: \(closed)")
        for person in ["alice", "bob"] {
            #expect(try await remote.run(["deploy", "approve", id, "--key", key(person)]).status == 0)
        }
        #expect(try await remote.run(["deploy", "start", id, "--key", key("carol")]).status == 0)
        #expect(try await remote.run(["deploy", "succeed", id, "--key", key("carol")]).status == 0)
        #expect(try await remote.run(["lock", "--env", "staging", "--reason", "freeze", "--key", key("alice")]).status == 0)

        for arguments in [
            ["show", id, "--json"], ["deploy", "gate", id, "--json"], ["history", "--json"], ["history", "--actor", "alice", "--json"],
            ["status", "--json"], ["audit", "--actor", "carol", "--json"], ["show", id], ["status"], ["history"],
        ] {
            let through = try await remote.run(arguments), there = try await direct.run(arguments)
            #expect(through.status == there.status, "shiplog \(arguments.joined(separator: " "))")
            #expect(through.stdout == there.stdout, "shiplog \(arguments.joined(separator: " ")) through the server: \(through.stdout)\non the database: \(there.stdout)")
        }
        let unknown = try await remote.run(["show", "d-unknown0000"])
        #expect(unknown.status == 4, "\(unknown)")
        #expect(unknown.stderr.contains("unknown deploy d-unknown0000"))

        var wrong = remote
        wrong.environment["SHIPLOG_TOKEN"] = "shiplog_" + String(repeating: "0", count: 48)
        let refused = try await wrong.run(["status"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("the API token is unknown"))
    }

    @Test("bad tokens, other environments, malformed and oversized bodies, unknown deploys and token approvals write nothing")
    func refusals() async throws {
        let setup = try await Self.setup()
        defer { setup.stop() }
        let id = try await setup.ledger.request()
        let before = try await setup.ledger.events()

        func expectError(_ answer: (status: Int, json: Any?), _ status: Int, _ code: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(answer.status == status, "\(answer)", sourceLocation: sourceLocation)
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == code, "\(answer)", sourceLocation: sourceLocation)
            #expect((error?["message"] as? String ?? "").contains(text), "\(answer)", sourceLocation: sourceLocation)
        }
        let build = #"{"service":"web","version":"3.0.0","artifact":"\#(Self.newDigest)"}"#

        expectError(try await setup.call(.post, "/v1/builds", token: "", body: build), 401, "unauthorized", "Authorization: Bearer")
        expectError(
            try await setup.call(.post, "/v1/builds", token: "shiplog_" + String(repeating: "1", count: 48), body: build), 401,
            "unauthorized", "unknown")
        try await setup.ledger.ok("tokens", "revoke", "stage", "--key", setup.ledger.key("admin"))
        expectError(try await setup.call(.get, "/v1/status", token: setup.stagingToken), 401, "unauthorized", "stage was revoked")
        let short = try await setup.ledger.ok("tokens", "create", "short", "--ttl", "1s", "--json", "--key", setup.ledger.key("admin"))
        let shortToken = try #require(try short.jsonObject()["token"] as? String)
        try await Task.sleep(for: .milliseconds(1_500))
        expectError(try await setup.call(.get, "/v1/status", token: shortToken), 401, "unauthorized", "short expired")

        let stage = try await setup.ledger.ok("tokens", "create", "stage2", "--env", "staging", "--json", "--key", setup.ledger.key("admin"))
        let stageToken = try #require(try stage.jsonObject()["token"] as? String)
        let afterTokens = try await setup.ledger.events()
        expectError(
            try await setup.call(.post, "/v1/deploys", token: stageToken, body: #"{"service":"web","environment":"prod","version":"1.2.3"}"#),
            403, "forbidden", "may act on staging only, not prod")
        expectError(try await setup.call(.post, "/v1/deploys/\(id)/cancel", token: stageToken), 403, "forbidden", "not prod")

        expectError(try await setup.call(.post, "/v1/builds", body: #"{"service":"web","version":"3.0.0""#), 400, "badRequest", "not a JSON object")
        expectError(try await setup.call(.post, "/v1/builds", body: #"{"service":"web","artifact":"\#(Self.newDigest)"}"#), 400, "badRequest", "missing field 'version'")
        expectError(try await setup.call(.post, "/v1/builds", body: #"{"service":"web","version":3,"artifact":"x"}"#), 400, "badRequest", "field 'version' must be a string")
        expectError(try await setup.call(.post, "/v1/builds", body: #"{"service":"web","version":"3.0.0","artifact":"md5:1"}"#), 400, "badRequest", "field 'artifact'")
        expectError(try await setup.call(.get, "/v1/history?limit=lots"), 400, "badRequest", "parameter 'limit'")
        let huge = #"{"service":"web","version":"3.0.0","artifact":"\#(Self.newDigest)","commit":""# + String(repeating: "a", count: 70_000) + #""}"#
        expectError(try await setup.call(.post, "/v1/builds", body: huge), 413, "bodyTooLarge", "at most 64 KiB")

        expectError(try await setup.call(.get, "/v1/deploys/d-nosuchdeploy"), 404, "notFound", "unknown deploy d-nosuchdeploy")
        expectError(try await setup.call(.post, "/v1/deploys/d-nosuchdeploy/start"), 404, "notFound", "unknown deploy")

        expectError(try await setup.call(.post, "/v1/deploys/\(id)/approve"), 403, "forbidden", "an API token never approves")
        expectError(try await setup.call(.post, "/v1/deploys/\(id)/start"), 422, "gateClosed", "approvals")
        // A second deploy of web to prod while one is requested: in flight.
        expectError(
            try await setup.call(.post, "/v1/deploys", body: #"{"service":"web","environment":"prod","version":"1.2.3"}"#), 409,
            "conflict", "in flight")

        #expect(try await setup.ledger.events() == afterTokens, "nothing written by any refused request")
        #expect(afterTokens == before + 3, "only the admin's token commands were written (revoke, two creates)")
    }

    @Test("GET /v1/openapi.json serves the document kept in the repository, and it describes every route")
    func openAPIDocument() async throws {
        let setup = try await Self.setup()
        defer { setup.stop() }
        let answer = try await setup.call(.get, "/v1/openapi.json", token: "")
        #expect(answer.status == 200)
        let served = try #require(answer.json as? [String: Any])
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "openapi/shiplog-v1.json")
        let kept = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(NSDictionary(dictionary: served).isEqual(to: kept), "the server serves the repository's document")
        #expect(served["openapi"] as? String == "3.1.0")
        let paths = try #require(served["paths"] as? [String: [String: Any]])
        // Every documented operation is served: an unauthenticated call gets the API's own 401
        // (an undocumented path would be a 404 from the router).
        for (path, operations) in paths where path != "/v1/openapi.json" {
            for method in operations.keys {
                let concrete = path.replacingOccurrences(of: "{id}", with: "d-abcdefghij")
                let answer = try await setup.call(ShiplogHTTP.HTTPMethod(rawValue: method.uppercased()), concrete, token: "")
                #expect(answer.status == 401, "\(method.uppercased()) \(path) is served: \(answer)")
            }
        }
    }
}
