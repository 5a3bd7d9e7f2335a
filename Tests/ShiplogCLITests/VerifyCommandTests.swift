import Foundation
import ShiplogTestSupport
import Testing

@Suite("shiplog verify")
struct VerifyCommandTests {
    private func ledgerWithThreeEvents() async throws -> (TestDatabase, ShiplogBinary) {
        let database = try await TestDatabase.create()
        let shiplog = ShiplogBinary(database: database)
        for stream in ["artifacts-api", "release-d-1", "release-d-1"] {
            let run = try await shiplog(
                "events",
                "append",
                "--stream",
                stream,
                "--type",
                "Recorded",
                "--data",
                #"{"ok":true}"#
            )
            try #require(run.status == 0, "\(run)")
        }
        return (database, shiplog)
    }

    @Test("verify --json of an intact ledger has exactly ok, events, head, firstBadPosition, reason, commands and signatures")
    func intactLedgerJSON() async throws {
        let (_, shiplog) = try await ledgerWithThreeEvents()
        let lastHash =
            try #require(try await shiplog("events", "read", "--json").json() as? [[String: Any]]).last?["hash"]
            as? String

        let run = try await shiplog("verify", "--json")

        #expect(run.status == 0, "\(run)")
        let report = try run.jsonObject()
        #expect(Set(report.keys) == ["ok", "events", "head", "firstBadPosition", "reason", "commands", "signatures"])
        #expect(report["ok"] as? Bool == true)
        #expect(report["events"] as? Int == 3)
        let head = try #require(report["head"] as? [String: Any])
        #expect(Set(head.keys) == ["position", "hash"])
        #expect(head["position"] as? Int == 3)
        #expect(head["hash"] as? String == lastHash)
        #expect(report["firstBadPosition"] is NSNull)
        #expect(report["reason"] is NSNull)
        #expect(run.stdout.contains(#""firstBadPosition":null"#))
    }

    @Test("verify of an intact ledger exits 0 and says ok")
    func intactLedgerText() async throws {
        let (_, shiplog) = try await ledgerWithThreeEvents()

        let run = try await shiplog("verify")

        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.hasPrefix("ok: 3 events, 0 commands judged, head 3 "))
    }

    @Test("after a payload was changed behind the triggers, verify exits 1 and names the position")
    func tamperedLedger() async throws {
        let (database, shiplog) = try await ledgerWithThreeEvents()
        try await database.tamper(#"UPDATE events SET payload = '{"ok":false}' WHERE position = 2"#)

        let text = try await shiplog("verify")
        let json = try await shiplog("verify", "--json")

        #expect(text.status == 1, "\(text)")
        #expect(text.stdout.contains("TAMPERED at position 2"))
        #expect(json.status == 1, "\(json)")
        let report = try json.jsonObject()
        #expect(report["ok"] as? Bool == false)
        #expect(report["firstBadPosition"] as? Int == 2)
        #expect(report["events"] as? Int == 1)
        #expect(report["reason"] as? String != nil)
    }

    @Test("after a row was deleted, verify --json names the deleted position")
    func deletedRow() async throws {
        let (database, shiplog) = try await ledgerWithThreeEvents()
        try await database.tamper("DELETE FROM events WHERE position = 1")

        let json = try await shiplog("verify", "--json")

        #expect(json.status == 1, "\(json)")
        #expect(try json.jsonObject()["firstBadPosition"] as? Int == 1)
    }
}
