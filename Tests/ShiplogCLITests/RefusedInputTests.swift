import Foundation
import ShiplogTestSupport
import Testing

/// Input the real binary refuses with a message, before it can crash or reach SQL.
@Suite("Refused input")
struct RefusedInputTests {
    @Test(
        "an age too far back exits 64 with a message, instead of crashing or leaking a PostgreSQL error",
        arguments: [
            ["history", "--since", "999999999d"], ["history", "--since", "9999999d"], ["history", "--until", "9999999d"],
            ["audit", "--actor", "alice", "--since", "999999999d"], ["metrics", "--since", "9999999d"],
        ]
    )
    func agesTooFarBack(arguments: [String]) async throws {
        let shiplog = ShiplogBinary(database: try await TestDatabase.create())
        let run = try await shiplog.run(arguments)
        #expect(run.status == 64, "\(run)")
        #expect(run.stderr.contains("longer than 100 years: write at most 36500d"), "\(run)")
        #expect(!run.stderr.contains("out of range"), "\(run)")
        #expect(run.stdout.isEmpty)
    }

    @Test("a passphrase file others can read is refused with the chmod that fixes it, like a key file")
    func passphraseFileReadableByOthers() async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "shiplog-passphrase-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appending(path: "alice.key").path, passphrase = folder.appending(path: "passphrase").path
        try "correct horse\n".write(toFile: passphrase, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passphrase)
        let shiplog = ShiplogBinary(environment: ["SHIPLOG_HOME": "/nonexistent/shiplog-home"])
        let generated = try await shiplog("keys", "generate", "--out", key, "--passphrase-file", passphrase)
        try #require(generated.status == 0, "\(generated)")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passphrase)
        let hint = "passphrase file \(passphrase) is readable by others (mode 0644); run: chmod 600 \(passphrase)"
        let show = try await shiplog("keys", "show", "--key", key, "--passphrase-file", passphrase)
        #expect(show.status == 64, "invalid input: \(show)")
        #expect(show.stderr.contains(hint), "\(show)")
        #expect(show.stdout.isEmpty)
        let other = folder.appending(path: "bob.key").path
        let generate = try await shiplog("keys", "generate", "--out", other, "--passphrase-file", passphrase)
        #expect(generate.status == 64, "\(generate)")
        #expect(generate.stderr.contains(hint), "\(generate)")
        #expect(!FileManager.default.fileExists(atPath: other), "no key is written under a passphrase others can read")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passphrase)
        #expect(try await shiplog("keys", "show", "--key", key, "--passphrase-file", passphrase).status == 0)
    }
}
