import Foundation
import ShiplogHTTP
import ShiplogTestSupport
import Testing

/// `deploy/scripts/shiplog-gate.sh`, a pipeline's way through Shiplog for any CI system, run
/// against a real `shiplog serve`.
@Suite("The pipeline script (bash, curl, jq) against the server")
struct PipelineScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "deploy/scripts/shiplog-gate.sh").path

    /// What one run of the script did.
    struct Run: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// A running script. (`Process` is not Sendable; this wrapper only waits for it and reads
    /// its output files once it ended.)
    final class Started: @unchecked Sendable {
        let process: Process
        let folder: URL

        init(process: Process, folder: URL) {
            self.process = process
            self.folder = folder
        }

        var isRunning: Bool { process.isRunning }

        func finished() async -> Run {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    self.process.waitUntilExit()
                    defer { try? FileManager.default.removeItem(at: self.folder) }
                    continuation.resume(
                        returning: Run(
                            status: self.process.terminationStatus,
                            stdout: (try? String(contentsOf: self.folder.appending(path: "stdout"), encoding: .utf8)) ?? "",
                            stderr: (try? String(contentsOf: self.folder.appending(path: "stderr"), encoding: .utf8)) ?? ""))
                }
            }
        }
    }

    static func start(_ arguments: [String], url: String, token: String) throws -> Started {
        let folder = FileManager.default.temporaryDirectory.appending(path: "shiplog-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appending(path: "stdout"), err = folder.appending(path: "stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SHIPLOG_URL"] = url
        environment["SHIPLOG_TOKEN"] = token
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return Started(process: process, folder: folder)
    }

    static func run(_ arguments: [String], url: String, token: String) async throws -> Run {
        await (try start(arguments, url: url, token: token)).finished()
    }

    static func request(version: String, digest: String) -> [String] {
        ["--service", "web", "--env", "prod", "--version", version, "--artifact", digest, "--commit", "abc\(version)"]
    }

    @Test("it blocks while the gate is closed, goes on when two people approve, runs the deploy and records it")
    func blocksUntilApproved() async throws {
        let setup = try await APIStoryTests.setup()
        defer { setup.stop() }
        let digest = "sha256:" + String(repeating: "cd", count: 32)
        let marker = FileManager.default.temporaryDirectory.appending(path: "deployed-\(UUID().uuidString)").path
        let script = try Self.start(
            Self.request(version: "5.0.0", digest: digest) + [
                "--migration", "0042_add_index", "--checksum", "abcdef0123", "--timeout", "120", "--interval", "1", "--",
                "/bin/sh", "-c", "echo deployed > \(marker)",
            ], url: setup.url, token: setup.ciToken)

        // The deploy appears, requested, and the script waits on it.
        var id: String?
        for _ in 0..<100 where id == nil {
            let answer = try await setup.call(.get, "/v1/history?service=web&outcome=requested")
            id = (answer.json as? [[String: Any]])?.first { $0["version"] as? String == "5.0.0" }?["id"] as? String
            if id == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard let deploy = id else {
            Issue.record("no requested deploy appeared: \(await script.finished())")
            return
        }
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(script.isRunning, "the script waits while the gate is closed")
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing deployed before the gate opened")

        for person in ["alice", "bob"] {
            try await setup.ledger.ok("deploy", "approve", deploy, "--key", setup.ledger.key(person))
        }
        let run = await script.finished()
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == deploy)
        #expect(run.stderr.contains("may approve: alice, bob, carol"), "it said who may approve: \(run.stderr)")
        #expect(run.stderr.contains("gate open: 2 of 2 approvals (alice, bob)"))
        #expect(FileManager.default.fileExists(atPath: marker), "the deploy command ran")
        let shown = try #require(try await setup.call(.get, "/v1/deploys/\(deploy)").json as? [String: Any])
        #expect(shown["status"] as? String == "succeeded")
        #expect((shown["build"] as? [String: Any])?["commit"] as? String == "abc5.0.0")
        let migrations = try await setup.ledger.ok("events", "read", "--stream", "migrations-prod", "--json")
        #expect(migrations.stdout.contains("0042_add_index"), "the migration task's outcome was recorded")
        try? FileManager.default.removeItem(atPath: marker)
    }

    @Test("on timeout it fails with the gate's reasons (exit 3); a failed deploy command is recorded (exit 1)")
    func timeoutAndFailure() async throws {
        let setup = try await APIStoryTests.setup()
        defer { setup.stop() }
        let closed = try await Self.run(
            Self.request(version: "6.0.0", digest: "sha256:" + String(repeating: "ef", count: 32)) + ["--timeout", "2", "--interval", "1"],
            url: setup.url, token: setup.ciToken)
        #expect(closed.status == 3, "\(closed)")
        #expect(closed.stderr.contains("gate still closed after 2s"))
        #expect(closed.stderr.contains("approval"), "the reasons are printed: \(closed.stderr)")

        // A failed migration task is recorded, and no deploy is requested.
        let migration = try await Self.run(
            Self.request(version: "6.1.0", digest: "sha256:" + String(repeating: "fe", count: 32))
                + ["--migration", "0043_backfill", "--checksum", "0123456789", "--migration-failed"],
            url: setup.url, token: setup.ciToken)
        #expect(migration.status == 1, "\(migration)")
        #expect(migration.stderr.contains("migration 0043_backfill failed on prod (recorded): the deploy of web 6.1.0 is not requested"))
        let requested = try await setup.call(.get, "/v1/history?service=web")
        #expect((requested.json as? [[String: Any]])?.contains { $0["version"] as? String == "6.1.0" } == false)
        let failedMigrations = try await setup.ledger.ok("events", "read", "--stream", "migrations-prod", "--type", "MigrationFailed", "--json")
        #expect(failedMigrations.stdout.contains("0043_backfill"))

        // Staging needs one approval; dave approves, the deploy command fails, and that is recorded.
        let digest = "sha256:" + String(repeating: "01", count: 32)
        let script = try Self.start(
            ["--service", "api", "--env", "staging", "--version", "1.0.0", "--artifact", digest, "--interval", "1", "--timeout", "60",
             "--", "/bin/sh", "-c", "exit 7"],
            url: setup.url, token: setup.ciToken)
        var id: String?
        for _ in 0..<100 where id == nil {
            let answer = try await setup.call(.get, "/v1/history?service=api&outcome=requested")
            id = (answer.json as? [[String: Any]])?.first?["id"] as? String
            if id == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let deploy = try #require(id)
        try await setup.ledger.ok("deploy", "approve", deploy, "--key", setup.ledger.key("dave"))
        let failed = await script.finished()
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stderr.contains("exited with status 7"))
        let shown = try #require(try await setup.call(.get, "/v1/deploys/\(deploy)").json as? [String: Any])
        #expect(shown["status"] as? String == "failed")
    }

    @Test("an unreachable server, a bad token and a missing option each stop it with a clear message and their own status")
    func refusals() async throws {
        let digest = "sha256:" + String(repeating: "aa", count: 32)
        let unreachable = try await Self.run(
            Self.request(version: "1.0.0", digest: digest), url: "http://127.0.0.1:\(TestProcesses.freePort())", token: "shiplog_x")
        #expect(unreachable.status == 69, "\(unreachable)")
        #expect(unreachable.stderr.contains("cannot reach the Shiplog server"))

        let setup = try await APIStoryTests.setup()
        defer { setup.stop() }
        let badToken = try await Self.run(
            Self.request(version: "1.0.0", digest: digest), url: setup.url, token: "shiplog_" + String(repeating: "0", count: 48))
        #expect(badToken.status == 1, "\(badToken)")
        #expect(badToken.stderr.contains("the API token is unknown"))

        let usage = try await Self.run(["--service", "web"], url: setup.url, token: setup.ciToken)
        #expect(usage.status == 64, "\(usage)")
        #expect(usage.stderr.contains("--env is required"))
    }
}
