import Foundation
import Testing

@Suite("The embedded database")
struct EmbeddedDatabaseTests {
    @Test(
        "with no DATABASE_URL, shiplog creates, starts and uses a private PostgreSQL in SHIPLOG_HOME, and db stop stops it"
    )
    func embeddedDefault() async throws {
        // Short, under /tmp: the server's Unix socket path must stay under ~100 bytes.
        let home = "/tmp/slh-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        let shiplog = ShiplogBinary(environment: ["SHIPLOG_HOME": home, "USER": "ci-runner"])
        defer { Self.stopAndRemove(home, with: shiplog) }

        let append = try await shiplog(
            "events",
            "append",
            "--stream",
            "release-d-1",
            "--type",
            "ReleaseNoted",
            "--data",
            #"{"service":"api"}"#
        )
        #expect(append.status == 0, "\(append)")
        #expect(append.stdout == "1\n")

        let status = try await shiplog("db", "status", "--json")
        #expect(status.status == 0, "\(status)")
        let report = try status.jsonObject()
        #expect(report["running"] as? Bool == true)
        #expect(report["initialized"] as? Bool == true)
        #expect((report["socketDirectory"] as? String)?.hasPrefix(home) == true)
        #expect(report["pid"] as? Int != nil)

        let again = try await shiplog(
            "events",
            "append",
            "--stream",
            "release-d-1",
            "--type",
            "RolloutBegan",
            "--data",
            "{}",
            "--expected-version",
            "1"
        )
        #expect(again.stdout == "2\n", "\(again)")
        let verify = try await shiplog("verify")
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.hasPrefix("ok: 2 events"))

        let stop = try await shiplog("db", "stop")
        #expect(stop.status == 0, "\(stop)")
        #expect(stop.stdout.contains("stopped"))
        #expect(try await shiplog("db", "status", "--json").jsonObject()["running"] as? Bool == false)
    }

    @Test("PGPORT, PGHOST, PGHOSTADDR, PGUSER, PGDATABASE and PGDATA set for another server do not lead shiplog astray")
    func ignoresPGVariables() async throws {
        let home = "/tmp/slh-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        let plain = ShiplogBinary(environment: ["SHIPLOG_HOME": home, "USER": "ci-runner"])
        let elsewhere = ShiplogBinary(environment: [
            "SHIPLOG_HOME": home, "USER": "ci-runner", "PGPORT": "1", "PGHOST": "/nonexistent", "PGHOSTADDR": "127.0.0.1",
            "PGUSER": "nobody", "PGDATABASE": "nowhere", "PGDATA": "/nonexistent/data",
        ])
        defer { Self.stopAndRemove(home, with: plain) }

        // Created and started with the variables set; then reached without them, and back.
        let first = try await elsewhere("events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}")
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout == "1\n")
        let second = try await plain("events", "append", "--stream", "release-d-1", "--type", "ReleaseNoted", "--data", "{}")
        #expect(second.stdout == "2\n", "\(second)")
        let again = try await elsewhere("events", "read", "--json")
        #expect(again.status == 0, "\(again)")
        #expect((try? again.json() as? [[String: Any]])?.count == 2, "\(again)")

        // Started without them, then reached with them.
        #expect(try await plain("db", "stop").status == 0)
        #expect(try await plain("db", "start").status == 0)
        let verify = try await elsewhere("verify")
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.hasPrefix("ok: 2 events"), "\(verify)")

        let stop = try await elsewhere("db", "stop")
        #expect(stop.status == 0, "\(stop)")
        #expect(try await plain("db", "status", "--json").jsonObject()["running"] as? Bool == false)
    }

    /// Always leaves no server behind: `shiplog db stop`, else the postmaster this test started.
    private static func stopAndRemove(_ home: String, with shiplog: ShiplogBinary) {
        _ = try? shiplog.runNow("db", "stop")
        let pidFile = "\(home)/postgres/data/postmaster.pid"
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = text.split(separator: "\n").first.flatMap({ pid_t($0) })
        {
            kill(pid, SIGQUIT)
            while kill(pid, 0) == 0 { usleep(50_000) }
        }
        try? FileManager.default.removeItem(atPath: home)
    }
}
