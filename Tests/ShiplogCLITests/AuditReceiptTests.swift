import Foundation
import ShiplogHTTP
import ShiplogTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 12 through the real binary: signed checkpoints cosigned by a real witness process, a
/// prod deploy's receipt checked offline, and the database owner's rewrite caught.
@Suite("Audit receipts: checkpoints, witnesses and offline proof")
struct AuditReceiptTests {
    /// The CLI story's ledger, a checkpoint key, a publish directory, and witness w1 running.
    struct Setup {
        let ledger: LedgerStoryTests.Ledger
        let witness: Process
        let witnessURL: String
        let logKey: String
        let witnessKey: String
        let published: URL

        var checkpointArguments: [String] {
            ["--checkpoint-key", ledger.key("checkpoint"), "--publish", published.path, "--witness", "\(witnessURL),\(witnessKey)"]
        }

        func checkpoint() async throws -> ShiplogRun {
            try await ledger.shiplog.run(["checkpoint"] + checkpointArguments)
        }

        func verify(_ receipt: URL, _ extra: [String] = []) async throws -> ShiplogRun {
            try await ledger.shiplog.run(["receipt", "verify", receipt.path, "--ledger-key", logKey, "--witness-key", witnessKey] + extra)
        }

        func file(_ name: String) -> URL { ledger.keys.appending(path: name) }

        func stop() {
            kill(witness.processIdentifier, SIGTERM)
            witness.waitUntilExit()
        }
    }

    static func setup() async throws -> Setup {
        let ledger = try await LedgerStoryTests.ledger()
        for name in ["checkpoint", "w1", "w2"] { try await ledger.ok("keys", "generate", "--out", ledger.key(name)) }
        try await ledger.ok("checkpoint", "enroll", "--checkpoint-key", ledger.key("checkpoint"), "--key", ledger.key("admin"))
        let logKey = try await ledger.ok("checkpoint", "verifier-key", "--checkpoint-key", ledger.key("checkpoint"))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let witnessKey = try await ledger.ok("witness", "verifier-key", "--key", ledger.key("w1"))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = TestProcesses.freePort()
        let witness = try TestProcesses.start([
            "witness", "serve", "--key", ledger.key("w1"), "--log", logKey, "--state", ledger.keys.appending(path: "w1.json").path,
            "--port", String(port),
        ])
        let url = "http://127.0.0.1:\(port)"
        for _ in 0..<300 {
            if (try? await HTTPClient().send(ShiplogHTTP.HTTPRequest(url: url + "/healthz"), retry: .never))?.status == 200 {
                return Setup(
                    ledger: ledger, witness: witness, witnessURL: url, logKey: logKey, witnessKey: witnessKey,
                    published: ledger.keys.appending(path: "published"))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(witness.processIdentifier, SIGTERM)
        throw TestDatabaseError("shiplog witness serve did not answer /healthz within 30 s")
    }

    /// carol requests web 1.2.3 to prod, alice and bob approve, carol starts, it succeeds.
    static func deploy(_ ledger: LedgerStoryTests.Ledger) async throws -> String {
        let id = try await ledger.request()
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("bob"))
        try await ledger.ok("deploy", "start", id, "--key", ledger.key("carol"))
        try await ledger.ok("deploy", "succeed", id, "--key", ledger.key("carol"))
        return id
    }

    /// The receipt's JSON, changed by `change`, written to a new file.
    static func tampered(_ receipt: URL, as name: String, in setup: Setup, _ change: (inout [[String: Any]]) throws -> Void) throws -> URL {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: receipt)) as? [String: Any])
        var entries = try #require(object["entries"] as? [[String: Any]])
        try change(&entries)
        object["entries"] = entries
        let url = setup.file(name)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url
    }

    static func payload(_ entry: [String: Any]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data((entry["payload"] as? String ?? "").utf8)) as? [String: Any])
    }

    @Test("a prod deploy's receipt verifies offline; each tampering fails and says why")
    func receiptVerifiesAndTamperingFails() async throws {
        let setup = try await Self.setup()
        defer { setup.stop() }
        let ledger = setup.ledger
        let id = try await Self.deploy(ledger)
        let made = try await setup.checkpoint()
        #expect(made.status == 0, "\(made)")
        #expect(made.stderr.contains("cosigned by shiplog-witness/"), "\(made)")
        #expect(FileManager.default.fileExists(atPath: setup.published.appending(path: "checkpoint").path))

        let receipt = setup.file("receipt.json")
        try await ledger.ok("receipt", id, "--out", receipt.path)
        let good = try await setup.verify(receipt, ["--quorum", "1"])
        #expect(good.status == 0, "\(good)")
        #expect(good.stdout.hasPrefix("OK: deploy \(id): web 1.2.3 (\(LedgerStoryTests.digest)) to prod, requested by carol"), "\(good)")
        #expect(good.stdout.contains("approved by alice, bob (2 required), started by carol, succeeded"), "\(good)")
        #expect(good.stdout.contains("cosigned by shiplog-witness/"))
        // Needs nothing but the file and the keys: no database, no network.
        let offline = try await ShiplogBinary(environment: ["SHIPLOG_HOME": "/nonexistent", "DATABASE_URL": "postgresql://nowhere.invalid/x"])
            .run(["receipt", "verify", receipt.path, "--ledger-key", setup.logKey, "--witness-key", setup.witnessKey])
        #expect(offline.status == 0, "\(offline)")

        // An approval's signature altered.
        let alteredSignature = try Self.tampered(receipt, as: "signature.json", in: setup) { entries in
            let index = try #require(entries.firstIndex { $0["type"] as? String == "DeployApproved" })
            var payload = try Self.payload(entries[index])
            let signature = try #require(payload["signature"] as? String)
            payload["signature"] = (signature.hasPrefix("A") ? "B" : "A") + signature.dropFirst()
            entries[index]["payload"] = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        }
        var run = try await setup.verify(alteredSignature)
        #expect(run.status == 1)
        #expect(run.stdout.hasPrefix("FAILS: event "), "\(run)")
        #expect(run.stdout.contains("(DeployApproved on deploy-\(id)) is not in the checkpoint's tree"), "\(run)")
        #expect(run.stdout.contains("may not start: needs 2 approvals, has 1 of 2"), "\(run)")

        // An approval removed: the quorum falls short.
        let removed = try Self.tampered(receipt, as: "removed.json", in: setup) { entries in
            entries.remove(at: try #require(entries.lastIndex { $0["type"] as? String == "DeployApproved" }))
        }
        run = try await setup.verify(removed)
        #expect(run.status == 1)
        #expect(run.stdout.contains("the deploy's events are not all here"), "\(run)")
        #expect(run.stdout.contains("DeployStarted at"), "\(run)")
        #expect(run.stdout.contains("needs 2 approvals, has 1 of 2 (alice)"), "\(run)")

        // The artifact digest changed.
        let digest = try Self.tampered(receipt, as: "digest.json", in: setup) { entries in
            for index in entries.indices where entries[index]["type"] as? String == "BuildRecorded" {
                entries[index]["payload"] = (entries[index]["payload"] as? String ?? "").replacingOccurrences(
                    of: LedgerStoryTests.digest, with: LedgerStoryTests.otherDigest)
            }
        }
        run = try await setup.verify(digest)
        #expect(run.status == 1)
        #expect(run.stdout.contains("(BuildRecorded on build-web/1.2.3) is not in the checkpoint's tree"), "\(run)")
        #expect(run.stdout.contains("BuildRecorded at"), "\(run)")

        // An inclusion proof altered.
        let proof = try Self.tampered(receipt, as: "proof.json", in: setup) { entries in
            let index = try #require(entries.firstIndex { $0["type"] as? String == "DeployStarted" })
            var hashes = try #require(entries[index]["proof"] as? [String])
            hashes[0] = Data(repeating: 7, count: 32).base64EncodedString()
            entries[index]["proof"] = hashes
        }
        run = try await setup.verify(proof)
        #expect(run.status == 1)
        #expect(run.stdout.hasPrefix("FAILS: event "), "\(run)")
        #expect(run.stdout.contains("(DeployStarted on deploy-\(id)) is not in the checkpoint's tree"), "\(run)")

        // A checkpoint signed by another key.
        try await ledger.ok("keys", "generate", "--out", ledger.key("impostor"))
        let origin = try #require(setup.logKey.split(separator: "+").first)
        let impostor = try await ledger.ok(
            "checkpoint", "verifier-key", "--checkpoint-key", ledger.key("impostor"), "--origin", String(origin)
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        run = try await ledger.shiplog.run(["receipt", "verify", receipt.path, "--ledger-key", impostor])
        #expect(run.status == 1)
        #expect(run.stdout.contains("the checkpoint is not signed by the ledger key \(impostor)"), "\(run)")

        // A witness that did not cosign, with --quorum 1.
        let absent = try await ledger.ok("witness", "verifier-key", "--key", ledger.key("w2")).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        run = try await ledger.shiplog.run([
            "receipt", "verify", receipt.path, "--ledger-key", setup.logKey, "--witness-key", absent, "--quorum", "1",
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("cosigned by 0 of the witnesses given, 1 required (--quorum); missing: shiplog-witness/"), "\(run)")
        // The --json verdict lists every problem.
        let json = try await ledger.shiplog.run(["receipt", "verify", removed.path, "--ledger-key", setup.logKey, "--json"])
        #expect(try json.jsonObject()["ok"] as? Bool == false)
        #expect((try json.jsonObject()["problems"] as? [String])?.count ?? 0 >= 2)
    }

    @Test("a receipt needs a checkpoint that covers the deploy; an unknown deploy is refused")
    func receiptNeedsACheckpoint() async throws {
        let ledger = try await LedgerStoryTests.ledger()
        let id = try await ledger.request()
        var run = try await ledger.shiplog.run(["receipt", id])
        #expect(run.status != 0)
        #expect(run.stderr.contains("no checkpoint yet: make one with shiplog checkpoint"), "\(run)")
        try await ledger.ok("keys", "generate", "--out", ledger.key("checkpoint"))
        // Only the key an admin enrolled signs the ledger's checkpoints.
        run = try await ledger.shiplog.run(["checkpoint", "--checkpoint-key", ledger.key("checkpoint")])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("the ledger has no checkpoint key: an admin enrolls this one with shiplog checkpoint enroll"), "\(run)")
        run = try await ledger.shiplog.run(["checkpoint", "enroll", "--checkpoint-key", ledger.key("checkpoint"), "--key", ledger.key("alice")])
        #expect(run.status == 1, "\(run)")
        try await ledger.ok("checkpoint", "enroll", "--checkpoint-key", ledger.key("checkpoint"), "--key", ledger.key("admin"))
        try await ledger.ok("checkpoint", "--checkpoint-key", ledger.key("checkpoint"))
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        run = try await ledger.shiplog.run(["receipt", id])
        #expect(run.status != 0)
        #expect(run.stderr.contains("make a new one with shiplog checkpoint"), "\(run)")
        run = try await ledger.shiplog.run(["receipt", "d-nosuchdeploy"])
        #expect(run.status == 4, "\(run)")
    }

    @Test("the database owner rewrites an old event and re-hashes everything: verify passes, verify --since and the witness do not")
    func databaseOwnersRewrite() async throws {
        let setup = try await Self.setup()
        defer { setup.stop() }
        let ledger = setup.ledger
        try await ledger.ok("events", "append", "--stream", "release-notes", "--type", "Note", "--data", #"{"text":"web 1.2.3 is out"}"#)
        _ = try await Self.deploy(ledger)
        #expect(try await setup.checkpoint().status == 0)
        let kept = setup.file("kept-checkpoint")
        try FileManager.default.copyItem(at: setup.published.appending(path: "checkpoint"), to: kept)
        try await ledger.ok("deploy", "request", "--service", "web", "--env", "staging", "--version", "1.2.3", "--key", ledger.key("carol"))

        // The owner rewrites the note, re-hashes the chain from there, rebuilds the Merkle tree
        // with the database's own function, and drops the checkpoints the database held.
        let connection = try await ledger.database.connect()
        let position = try await connection.query("SELECT position FROM events WHERE type = 'Note'")[0].decode(Int64.self, at: 0)
        try await ledger.database.tamper(#"UPDATE events SET payload = '{"text":"web 1.2.2 is out"}' WHERE position = \#(position)"#)
        try await ledger.database.rehashChain(from: position)
        try await ledger.database.tamper("DELETE FROM shiplog_merkle; SELECT shiplog_merkle_extend(); DELETE FROM shiplog_checkpoints")

        // verify alone cannot tell.
        let plain = try await ledger.shiplog.run(["verify"])
        #expect(plain.status == 0, "\(plain)")
        #expect(plain.stdout.hasPrefix("ok: "))
        // The checkpoint the auditor kept can.
        let since = try await ledger.shiplog.run(["verify", "--since", kept.path, "--ledger-key", setup.logKey])
        #expect(since.status == 1, "\(since)")
        #expect(since.stdout.contains("REWRITTEN: the log does not extend checkpoint"), "\(since)")
        #expect(since.stdout.contains("history the checkpoint committed to was rewritten"), "\(since)")
        // The ledger's own checkpointer refuses against what it published...
        let refused = try await setup.checkpoint()
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("history before it was rewritten; not signing"), "\(refused)")
        // ...and with the published copy out of the way too, the witness refuses the fork.
        let fresh = setup.file("fresh-publish")
        let forked = try await ledger.shiplog.run([
            "checkpoint", "--checkpoint-key", ledger.key("checkpoint"), "--publish", fresh.path, "--witness", "\(setup.witnessURL),\(setup.witnessKey)",
        ])
        #expect(forked.status == 1, "\(forked)")
        #expect(forked.stderr.contains("refused the checkpoint (HTTP 422)"), "\(forked)")
        #expect(forked.stderr.contains("FORK"), "\(forked)")
        #expect(!FileManager.default.fileExists(atPath: fresh.appending(path: "checkpoint").path))
    }

    /// The size of the newest checkpoint published in `directory`, nil when none is.
    static func publishedSize(_ directory: URL) -> Int64? {
        guard let text = try? String(contentsOf: directory.appending(path: "checkpoint"), encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        return lines.count > 1 ? Int64(lines[1]) : nil
    }

    static func waitFor(_ seconds: Int, _ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 10) {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("shiplog serve checkpoints at start, at once after a prod deploy's outcome (not a staging one), and every interval")
    func serverCheckpoints() async throws {
        let ledger = try await LedgerStoryTests.ledger()
        try await ledger.ok("keys", "generate", "--out", ledger.key("checkpoint"))
        try await ledger.ok("checkpoint", "enroll", "--checkpoint-key", ledger.key("checkpoint"), "--key", ledger.key("admin"))
        let published = ledger.keys.appending(path: "published")
        let settings = [
            "DATABASE_URL": ledger.database.conninfo, "SHIPLOG_CHECKPOINT_KEY": ledger.key("checkpoint"),
            "SHIPLOG_CHECKPOINT_PUBLISH": published.path, "SHIPLOG_CHECKPOINT_INTERVAL": "3600",
        ]
        var server = try TestProcesses.serve(port: TestProcesses.freePort(), settings)
        let initial = Int64(try await ledger.events())
        #expect(try await Self.waitFor(30) { Self.publishedSize(published) == initial }, "no checkpoint at start")

        // A staging deploy's outcome waits for the interval.
        let staging = try await ledger.ok(
            "deploy", "request", "--service", "web", "--env", "staging", "--version", "1.2.3", "--key", ledger.key("carol")
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try await ledger.ok("deploy", "approve", staging, "--key", ledger.key("alice"))
        try await ledger.ok("deploy", "start", staging, "--key", ledger.key("carol"))
        try await ledger.ok("deploy", "succeed", staging, "--key", ledger.key("carol"))
        try await Task.sleep(for: .seconds(2))
        #expect(Self.publishedSize(published) == initial)

        // A prod deploy's outcome is checkpointed at once, with everything before it.
        _ = try await Self.deploy(ledger)
        let afterProd = Int64(try await ledger.events())
        #expect(try await Self.waitFor(15) { Self.publishedSize(published) == afterProd }, "no checkpoint after the prod deploy")
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()

        // Every interval while the log grows.
        server = try TestProcesses.serve(
            port: TestProcesses.freePort(), settings.merging(["SHIPLOG_CHECKPOINT_INTERVAL": "1"]) { $1 })
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        try await ledger.ok(
            "build", "record", "--service", "web", "--version", "1.2.4", "--artifact", LedgerStoryTests.otherDigest, "--key", ledger.key("carol"))
        let grown = Int64(try await ledger.events())
        #expect(try await Self.waitFor(15) { Self.publishedSize(published) == grown }, "no checkpoint after the interval")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: published.appending(path: "checkpoints").path)
        #expect(Set(checkpoints) == [String(initial), String(afterProd), String(grown)])
    }

    @Test("checkpoints published to S3 (moto): the newest and each by size, and the next checked against the newest there")
    func publishToS3() async throws {
        let moto = try #require(
            ProcessInfo.processInfo.environment["SHIPLOG_TEST_MOTO"],
            "SHIPLOG_TEST_MOTO is not set: run the tests with make test (scripts/with-test-moto.sh starts moto_server)")
        let bucket = "shiplog-checkpoints-\(UUID().uuidString.lowercased().prefix(8))"
        let signing = AWSSigV4(region: "us-east-1", service: "s3", credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))
        func s3(_ method: ShiplogHTTP.HTTPMethod, _ path: String) async throws -> HTTPResponse {
            try await HTTPClient().send(
                ShiplogHTTP.HTTPRequest(method: method, url: "\(moto)/\(bucket)\(path)", headers: [("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]),
                retry: .never, signing: signing)
        }
        let created = try await s3(.put, "")
        try #require(created.status == 200, "moto did not create the bucket: \(created.status)")
        let ledger = try await LedgerStoryTests.ledger()
        var shiplog = ledger.shiplog
        shiplog.environment.merge([
            "SHIPLOG_AWS_ENDPOINT": moto, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        ]) { $1 }
        try await ledger.ok("keys", "generate", "--out", ledger.key("checkpoint"))
        try await ledger.ok("checkpoint", "enroll", "--checkpoint-key", ledger.key("checkpoint"), "--key", ledger.key("admin"))
        let arguments = ["checkpoint", "--checkpoint-key", ledger.key("checkpoint"), "--publish", "s3://\(bucket)/ledger/prod"]
        var run = try await shiplog.run(arguments)
        #expect(run.status == 0, "\(run)")
        let first = Int64(try await ledger.events())
        try await ledger.ok(
            "build", "record", "--service", "web", "--version", "1.2.4", "--artifact", LedgerStoryTests.otherDigest, "--key", ledger.key("carol"))
        run = try await shiplog.run(arguments)
        #expect(run.status == 0, "\(run)")
        let newest = try await s3(.get, "/ledger/prod/checkpoint")
        let text = String(decoding: newest.body, as: UTF8.self)
        #expect(text == run.stdout, "\(text)")
        let older = try await s3(.get, "/ledger/prod/checkpoints/\(first)")
        #expect(older.status == 200)
        let lines = String(decoding: older.body, as: UTF8.self).split(separator: "\n")
        #expect(lines.count > 1 && lines[1] == Substring(String(first)), "\(lines)")
        // A newly enrolled key will not build on the old key's checkpoint in the bucket.
        try await ledger.ok("keys", "generate", "--out", ledger.key("other"))
        try await ledger.ok("checkpoint", "enroll", "--checkpoint-key", ledger.key("other"), "--key", ledger.key("admin"))
        run = try await shiplog.run(["checkpoint", "--checkpoint-key", ledger.key("other"), "--publish", "s3://\(bucket)/ledger/prod"])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("is not signed by this checkpoint key"), "\(run)")
    }
}
