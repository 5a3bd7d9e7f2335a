import Foundation
import ShiplogTestSupport
import Testing

/// Checkpoints, cosignatures, inclusion and consistency proofs checked by a second, independent
/// implementation: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Tests/Interop/tlogcheck).
@Suite("Interoperability with Go's sumdb/note and sumdb/tlog")
struct GoInteropTests {
    /// Builds tlogcheck with Debian's Go and x/mod (make test installs both).
    static func tlogcheck() throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Interop/tlogcheck/main.go")
        let output = FileManager.default.temporaryDirectory.appending(path: "tlogcheck-\(UUID().uuidString)").path
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/go") else {
            throw TestDatabaseError("Go is not installed: make test installs golang-go and golang-golang-x-mod-dev with apt-get")
        }
        let build = try run("/usr/bin/go", ["build", "-o", output, source.path], environment: [
            "GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "GOCACHE": FileManager.default.temporaryDirectory.appending(path: "shiplog-gocache").path,
            "HOME": FileManager.default.temporaryDirectory.path, "PATH": "/usr/bin:/bin",
        ])
        guard build.status == 0 else { throw TestDatabaseError("building tlogcheck failed: \(build.output)") }
        return output
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("Go's note.Open verifies the ledger's checkpoints and the witness's cosignature; tlog.CheckRecord and CheckTree accept its proofs")
    func goVerifiesCheckpointsAndProofs() async throws {
        let tlogcheck = try Self.tlogcheck()
        let setup = try await AuditReceiptTests.setup()
        defer { setup.stop() }
        let ledger = setup.ledger
        #expect(try await setup.checkpoint().status == 0)
        let first = setup.file("first-checkpoint")
        try FileManager.default.copyItem(at: setup.published.appending(path: "checkpoint"), to: first)
        let id = try await AuditReceiptTests.deploy(ledger)
        #expect(try await setup.checkpoint().status == 0)
        let second = setup.published.appending(path: "checkpoint")

        var check = try Self.run(tlogcheck, ["note", second.path, setup.logKey, setup.witnessKey])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("2 signatures verified"), "\(check.output)")

        let receipt = setup.file("receipt.json")
        try await ledger.ok("receipt", id, "--out", receipt.path)
        check = try Self.run(tlogcheck, ["receipt", receipt.path, setup.logKey])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.hasPrefix("ok: "), "\(check.output)")

        let oldSize = try #require(String(contentsOf: first, encoding: .utf8).split(separator: "\n")[1])
        let proof = setup.file("proof.txt")
        try await ledger.ok("checkpoint", "prove", "--from", String(oldSize)).stdout.write(to: proof, atomically: true, encoding: .utf8)
        check = try Self.run(tlogcheck, ["consistency", first.path, second.path, proof.path, setup.logKey])
        #expect(check.status == 0, "\(check.output)")

        // And Go refuses what Shiplog refuses: a proof of another tree, a checkpoint of another key.
        try "\(Data(repeating: 1, count: 32).base64EncodedString())\n".write(to: proof, atomically: true, encoding: .utf8)
        #expect(try Self.run(tlogcheck, ["consistency", first.path, second.path, proof.path, setup.logKey]).status == 1)
        try await ledger.ok("keys", "generate", "--out", ledger.key("impostor"))
        let origin = try #require(setup.logKey.split(separator: "+").first)
        let impostor = try await ledger.ok(
            "checkpoint", "verifier-key", "--checkpoint-key", ledger.key("impostor"), "--origin", String(origin)
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.run(tlogcheck, ["note", second.path, impostor]).status == 1)
    }
}
