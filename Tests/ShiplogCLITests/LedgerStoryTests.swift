import Foundation
import ShiplogTestSupport
import Testing

/// The deployment ledger driven through the real `shiplog` binary, as a team would use it.
@Suite("The ledger from the command line")
struct LedgerStoryTests {
    static let digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    static let otherDigest = "sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

    /// A ledger with an admin, a prod policy of 2 approvals, approvers alice, bob, carol (prod)
    /// and dave (staging only), and a recorded build of web 1.2.3.
    struct Ledger {
        let database: TestDatabase
        let shiplog: ShiplogBinary
        let keys: URL

        func key(_ name: String) -> String { keys.appending(path: "\(name).key").path }

        /// Runs a command that must succeed.
        @discardableResult
        func ok(_ arguments: String...) async throws -> ShiplogRun {
            let run = try await shiplog.run(arguments)
            #expect(run.status == 0, "shiplog \(arguments.joined(separator: " ")): \(run)")
            return run
        }

        func events() async throws -> Int {
            let run = try await shiplog.run(["verify", "--json"])
            return try run.jsonObject()["events"] as? Int ?? -1
        }

        func request(version: String = "1.2.3") async throws -> String {
            try await ok("deploy", "request", "--service", "web", "--env", "prod", "--version", version, "--key", key("carol"))
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Who runs the commands.
    enum Login: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// The role that migrated the database (the test cluster's superuser).
        case owner
        /// A login role holding shiplog_app and nothing else: the README's whole set-up for a user.
        case applicationRole

        var testDescription: String { rawValue }
    }

    static func ledger(as login: Login = .owner) async throws -> Ledger {
        let database = try await TestDatabase.create()
        var shiplog = ShiplogBinary(database: database)
        if login == .applicationRole { shiplog.environment["DATABASE_URL"] = try await database.applicationLoginURL() }
        let keys = FileManager.default.temporaryDirectory.appending(path: "shiplog-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let ledger = Ledger(database: database, shiplog: shiplog, keys: keys)
        var publicKeys: [String: String] = [:]
        for name in ["admin", "alice", "bob", "carol", "dave"] {
            let run = try await ledger.ok("keys", "generate", "--out", ledger.key(name), "--json")
            publicKeys[name] = try run.jsonObject()["publicKey"] as? String
        }
        try await ledger.ok("init", "--key", ledger.key("admin"))
        try await ledger.ok("policy", "set", "--env", "prod", "--approvals", "2", "--ttl", "1h", "--key", ledger.key("admin"))
        try await ledger.ok("policy", "set", "--env", "staging", "--approvals", "1", "--key", ledger.key("admin"))
        for name in ["alice", "bob", "carol"] {
            try await ledger.ok("approvers", "add", name, "--public-key", publicKeys[name]!, "--env", "prod,staging", "--key", ledger.key("admin"))
        }
        try await ledger.ok("approvers", "add", "dave", "--public-key", publicKeys["dave"]!, "--env", "staging", "--key", ledger.key("admin"))
        try await ledger.ok(
            "build", "record", "--service", "web", "--version", "1.2.3", "--artifact", digest, "--commit", "abc123", "--key", ledger.key("carol"))
        return ledger
    }

    @Test(
        "carol requests, alice and bob approve, the deploy runs, and every view tells the story",
        arguments: Login.allCases
    )
    func wholeStory(login: Login) async throws {
        let ledger = try await Self.ledger(as: login)
        let id = try await ledger.request()
        #expect(id.hasPrefix("d-"))

        let before = try await ledger.events()
        let selfApproval = try await ledger.shiplog.run(["deploy", "approve", id, "--key", ledger.key("carol")])
        #expect(selfApproval.status != 0)
        #expect(selfApproval.stderr.contains("carol requested this deploy and cannot approve it"))
        #expect(try await ledger.events() == before, "a refused approval writes nothing")
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        var gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 3)
        #expect(gate.stdout.contains("1 of 2"))

        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("bob"))
        gate = try await ledger.shiplog.run(["deploy", "gate", id, "--json"])
        #expect(gate.status == 0)
        let decision = try gate.jsonObject()
        #expect(decision["allowed"] as? Bool == true)
        #expect(decision["approvals"] as? Int == 2)
        #expect(decision["required"] as? Int == 2)
        #expect(decision["reasons"] as? [String] == [])

        try await ledger.ok("deploy", "start", id, "--key", ledger.key("carol"))
        try await ledger.ok("deploy", "succeed", id, "--key", ledger.key("carol"))

        let status = try await ledger.ok("status", "--env", "prod", "--json").json() as? [[String: Any]]
        #expect(status?.first?["service"] as? String == "web")
        #expect(status?.first?["version"] as? String == "1.2.3")
        #expect(status?.first?["approvers"] as? [String] == ["alice", "bob"])

        let history = try await ledger.ok("history", "--actor", "carol", "--json").json() as? [[String: Any]]
        #expect(history?.count == 1)
        let deploy = try #require(history?.first)
        #expect(deploy["id"] as? String == id)
        #expect(deploy["requester"] as? String == "carol")
        #expect(deploy["approvers"] as? [String] == ["alice", "bob"])
        #expect(deploy["outcome"] as? String == "succeeded")
        #expect(deploy["requestedAt"] is String)
        #expect(deploy["finishedAt"] is String)
        let byAlice = try await ledger.ok("history", "--actor", "alice", "--json").json() as? [[String: Any]]
        #expect(byAlice?.count == 1, "alice approved it, so her history has it")
        let byDave = try await ledger.ok("history", "--actor", "dave", "--json").json() as? [[String: Any]]
        #expect(byDave?.isEmpty == true)

        let show = try await ledger.ok("show", id)
        #expect(show.stdout.contains("web 1.2.3 → prod"))
        #expect(show.stdout.contains("carol started \(id): web 1.2.3 to prod (approved by alice, bob)"), "\(show)")
        #expect(show.stdout.contains("carol recorded \(id) succeeded: web 1.2.3 on prod"))
        let shown = try await ledger.ok("show", id, "--json").jsonObject()
        #expect((shown["build"] as? [String: Any])?["commit"] as? String == "abc123")
        #expect((shown["approvals"] as? [[String: Any]])?.filter { $0["counted"] as? Bool == true }.count == 2)

        let metrics = try await ledger.ok("metrics", "--env", "prod", "--json").json() as? [[String: Any]]
        #expect(metrics?.first?["deploys"] as? Int == 1)
        #expect(metrics?.first?["changeFailureRate"] as? Double == 0)

        let audit = try await ledger.ok("audit", "--actor", "carol", "--json").json() as? [[String: Any]]
        #expect(audit?.contains { $0["type"] as? String == "DeployRequested" } == true)
        // The log's actor column of an approval names the approver.
        let approvals = try await ledger.ok("events", "read", "--type", "DeployApproved", "--json").json() as? [[String: Any]]
        #expect(approvals?.map { $0["actor"] as? String } == ["alice", "bob"])

        let verify = try await ledger.shiplog.run(["verify"])
        #expect(verify.status == 0, "\(verify)")

        try await ledger.ok("projections", "rebuild")
        let rebuilt = try await ledger.ok("history", "--env", "prod", "--json").json() as? [[String: Any]]
        #expect(rebuilt?.map { $0["id"] as? String } == [id])
        #expect(rebuilt?.first?["outcome"] as? String == "succeeded")
        #expect(try await ledger.ok("status", "--env", "prod").stdout.contains("1.2.3"))
    }

    @Test("a second request while one is in flight is refused")
    func oneDeployInFlight() async throws {
        let ledger = try await Self.ledger()
        let first = try await ledger.request()
        let before = try await ledger.events()
        let second = try await ledger.shiplog.run(["deploy", "request", "--service", "web", "--env", "prod", "--version", "1.2.3", "--key", ledger.key("carol")])
        #expect(second.status == 1)
        #expect(second.stderr.contains("already has an active deploy: \(first)"))
        #expect(try await ledger.events() == before)
    }

    @Test("racing requests for one service and environment: exactly one wins")
    func racingRequests() async throws {
        let ledger = try await Self.ledger()
        let runs = try await withThrowingTaskGroup(of: ShiplogRun.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await ledger.shiplog.run(["deploy", "request", "--service", "web", "--env", "prod", "--version", "1.2.3", "--key", ledger.key("carol")])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(runs.filter { $0.status == 0 }.count == 1, "\(runs)")
        #expect(runs.filter { $0.status != 0 }.allSatisfy { $0.stderr.contains("already has an active deploy") })
    }

    @Test("approvals that cannot count are refused with the reason, writing nothing; the gate re-checks a revoked key")
    func gateRefusalsForApprovers() async throws {
        let ledger = try await Self.ledger()
        let id = try await ledger.request()
        let before = try await ledger.events()
        let dave = try await ledger.shiplog.run(["deploy", "approve", id, "--key", ledger.key("dave")])
        #expect(dave.status == 1)
        #expect(dave.stderr.contains("dave may not approve prod (may approve: staging)"))
        #expect(try await ledger.events() == before)
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        let twice = try await ledger.shiplog.run(["deploy", "approve", id, "--key", ledger.key("alice")])
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("alice already approved; a person counts once"))
        var gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 3)
        #expect(gate.stdout.contains("1 of 2 (alice)"))

        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("bob"))
        gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 0)
        try await ledger.ok("approvers", "revoke", "bob", "--reason", "left the team", "--key", ledger.key("admin"))
        gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 3)
        #expect(gate.stdout.contains("bob's key was revoked"))
        let start = try await ledger.shiplog.run(["deploy", "start", id, "--key", ledger.key("carol")])
        #expect(start.status == 3)
        #expect(start.stderr.contains("may not start"))
        let revoked = try await ledger.shiplog.run(["deploy", "approve", id, "--key", ledger.key("bob")])
        #expect(revoked.status == 1)
        #expect(revoked.stderr.contains("revoked"))
    }

    @Test("a lock and a freeze window close the gate; break-glass passes the freeze, never the lock")
    func locksAndFreezes() async throws {
        let ledger = try await Self.ledger()
        let id = try await ledger.request()
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("bob"))

        try await ledger.ok("lock", "--env", "prod", "--reason", "incident 123", "--key", ledger.key("alice"))
        var gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 3)
        #expect(gate.stdout.contains("incident 123"))
        let glass = try await ledger.shiplog.run(["deploy", "start", id, "--break-glass", "--reason", "hotfix", "--key", ledger.key("admin")])
        #expect(glass.status == 3, "break-glass never passes a lock")
        try await ledger.ok("unlock", "--env", "prod", "--key", ledger.key("alice"))

        // Frozen every minute of every day.
        try await ledger.ok("policy", "set", "--env", "prod", "--approvals", "2", "--freeze", "* * * * *", "--key", ledger.key("admin"))
        gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 3)
        #expect(gate.stdout.contains("freeze window"))

        let notAdmin = try await ledger.shiplog.run(["deploy", "start", id, "--break-glass", "--reason", "hotfix", "--key", ledger.key("alice")])
        #expect(notAdmin.status != 0)
        #expect(notAdmin.stderr.contains("admin"))
        try await ledger.ok("deploy", "start", id, "--break-glass", "--reason", "customer outage hotfix", "--key", ledger.key("admin"))
        let history = try await ledger.ok("history", "--json").json() as? [[String: Any]]
        #expect(history?.first?["breakGlass"] as? Bool == true)
        #expect(history?.first?["breakGlassReason"] as? String == "customer outage hotfix")
        #expect(try await ledger.ok("history").stdout.contains("BREAK-GLASS"))
        #expect(try await ledger.ok("show", id).stdout.contains("BREAK-GLASS"))
    }

    @Test("reasons holding bidi overrides are shown escaped by show, status, audit and the gate, and exact in JSON")
    func storedTextIsEscapedForPeople() async throws {
        let ledger = try await Self.ledger()
        let reason = "fix \u{202e}txt.exe\u{202c} \u{2066}now\u{2069}"
        let escaped = #"fix \u{202E}txt.exe\u{202C} \u{2066}now\u{2069}"#
        let id = try await ledger.ok(
            "deploy", "request", "--service", "web", "--env", "prod", "--version", "1.2.3", "--reason", reason, "--key",
            ledger.key("carol")
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try await ledger.ok("lock", "--env", "prod", "--reason", reason, "--key", ledger.key("alice"))

        let gate = try await ledger.shiplog.run(["deploy", "gate", id])
        let views = [
            ("show", try await ledger.ok("show", id).stdout), ("gate", gate.stdout),
            ("audit", try await ledger.ok("audit", "--actor", "alice").stdout),
            ("status", try await ledger.ok("status").stdout),
        ]
        for (view, text) in views {
            #expect(!text.unicodeScalars.contains { $0.properties.isBidiControl }, "\(view): \(text)")
            #expect(text.contains(escaped), "\(view): \(text)")
        }
        let shown = try await ledger.ok("show", id, "--json").jsonObject()
        #expect(shown["reason"] as? String == reason)
    }

    @Test("an approval whose signature was altered in the database: the gate does not count it and verify names it")
    func alteredApprovalSignature() async throws {
        let ledger = try await Self.ledger()
        let id = try await ledger.request()
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("bob"))
        #expect(try await ledger.shiplog.run(["deploy", "gate", id]).status == 0)

        // Flip one byte of alice's signature, then recompute every hash from there on, as an
        // attacker with the database would: the chain is whole again, the signature is not.
        let connection = try await ledger.database.connect()
        let position = try await connection.query(
            "SELECT position FROM events WHERE type = 'DeployApproved' AND payload->>'approver' = 'alice'")[0].decode(Int64.self, at: 0)
        try await ledger.database.tamper(
            """
            UPDATE events SET payload = regexp_replace(payload::text, '"signature":"(.)(.)', '"signature":"\\1' ||
                CASE WHEN substr(payload->>'signature', 2, 1) = 'A' THEN 'B' ELSE 'A' END)::json
             WHERE position = \(position);
            """)
        try await ledger.database.rehashChain(from: position)

        // The signed intent holds the approval as signed: rows that differ from it are skipped.
        let gate = try await ledger.shiplog.run(["deploy", "gate", id])
        #expect(gate.status == 3)
        #expect(gate.stdout.contains("1 of 2 (bob)"))
        let show = try await ledger.ok("show", id)
        #expect(show.stdout.contains("position \(position) DeployApproved: the ledger would not have recorded these events"))
        let verify = try await ledger.shiplog.run(["verify", "--json"])
        #expect(verify.status == 1)
        let report = try verify.jsonObject()
        #expect(report["ok"] as? Bool == false)
        #expect(report["firstBadPosition"] as? Int == Int(position))
        #expect((report["reason"] as? String)?.contains("differ from what the domain decides for the signed command") == true)
    }

    @Test("a row forged in bob's name: show, audit and events read say it does not count; events append refuses ledger streams")
    func forgedRowIsShownAsNotCounted() async throws {
        let ledger = try await Self.ledger()
        let id = try await ledger.request()
        // What the database role can still do: append through the function, without a signature.
        let connection = try await ledger.database.connect()
        _ = try await connection.query(
            """
            SELECT * FROM shiplog_append(ARRAY[\("deploy-\(id)")], ARRAY[NULL]::bigint[], ARRAY[1], ARRAY[gen_random_uuid()],
                                         ARRAY['DeployApproved'], ARRAY[\(#"{"deployID":"\#(id)","approver":"bob"}"#)],
                                         ARRAY['{}'], ARRAY['bob'])
            """)
        let position = try await connection.query("SELECT max(position) FROM events")[0].decode(Int64.self, at: 0)

        let show = try await ledger.ok("show", id)
        #expect(show.stdout.contains("position \(position) DeployApproved: DeployApproved on deploy-\(id) carries no command signature"))
        #expect(show.stdout.contains("approvals (0 of 2 counted)"))
        let audit = try await ledger.ok("audit", "--actor", "bob", "--json").json() as? [[String: Any]]
        #expect(audit?.last?["notCounted"] as? String == "DeployApproved on deploy-\(id) carries no command signature: it was not written by shiplog")
        #expect(try await ledger.ok("audit", "--actor", "bob").stdout.contains("NOT COUNTED"))
        let read = try await ledger.ok("events", "read", "--from", String(position), "--json").json() as? [[String: Any]]
        #expect(read?.first?["notCounted"] is String)
        #expect(try await ledger.ok("events", "read", "--from", String(position)).stdout.contains("NOT COUNTED"))

        let raw = try await ledger.shiplog.run(["events", "append", "--stream", "approvers", "--type", "Junk", "--data", "{}"])
        #expect(raw.status == 64)
        #expect(raw.stderr.contains("approvers is one of the ledger's own streams"))
        #expect(try await connection.query("SELECT max(position) FROM events")[0].decode(Int64.self, at: 0) == position)
    }

    @Test("bad input: a clear error, a non-zero exit, and nothing written")
    func badInput() async throws {
        let ledger = try await Self.ledger()
        let before = try await ledger.events()

        let unknownDeploy = try await ledger.shiplog.run(["deploy", "approve", "d-doesnotexist", "--key", ledger.key("alice")])
        #expect(unknownDeploy.status == 4, "not found")
        #expect(unknownDeploy.stderr.contains("unknown deploy d-doesnotexist"))
        #expect(try await ledger.shiplog.run(["deploy", "gate", "d-doesnotexist"]).status == 4)
        #expect(try await ledger.shiplog.run(["show", "d-doesnotexist"]).stderr.contains("unknown deploy"))

        let unknownEnvironment = try await ledger.shiplog.run(
            ["deploy", "request", "--service", "web", "--env", "prdo", "--version", "1.2.3", "--key", ledger.key("carol")])
        #expect(unknownEnvironment.status == 4)
        #expect(unknownEnvironment.stderr.contains("unknown environment"))

        let malformedDigest = try await ledger.shiplog.run(
            ["build", "record", "--service", "web", "--version", "2.0.0", "--artifact", "sha256:xyz", "--key", ledger.key("carol")])
        #expect(malformedDigest.status == 64, "invalid input")
        #expect(malformedDigest.stderr.contains("malformed artifact digest"))

        let unrecorded = try await ledger.shiplog.run(
            ["deploy", "request", "--service", "web", "--env", "prod", "--version", "9.9.9", "--artifact", Self.otherDigest, "--key", ledger.key("carol")])
        #expect(unrecorded.status == 4)
        #expect(unrecorded.stderr.contains("--allow-unrecorded"))

        chmod(ledger.key("alice"), 0o644)
        let loose = try await ledger.shiplog.run(["deploy", "request", "--service", "web", "--env", "prod", "--version", "1.2.3", "--key", ledger.key("alice")])
        #expect(loose.status != 0)
        #expect(loose.stderr.contains("readable by others"))
        #expect(loose.stderr.contains("chmod 600"))

        let notAdmin = try await ledger.shiplog.run(["policy", "set", "--env", "prod", "--approvals", "0", "--key", ledger.key("bob")])
        #expect(notAdmin.status == 1)
        #expect(notAdmin.stderr.contains("admin"))
        let notAdminEnroll = try await ledger.shiplog.run(
            ["approvers", "revoke", "alice", "--key", ledger.key("bob")])
        #expect(notAdminEnroll.status == 1)

        let stranger = try await ledger.shiplog.run(["keys", "generate", "--out", ledger.key("mallory")])
        #expect(stranger.status == 0)
        let unenrolled = try await ledger.shiplog.run(["deploy", "request", "--service", "web", "--env", "prod", "--version", "1.2.3", "--key", ledger.key("mallory")])
        #expect(unenrolled.status == 1)
        #expect(unenrolled.stderr.contains("not enrolled"))

        #expect(try await ledger.events() == before, "no refused command wrote anything")
    }

    @Test("a second admin, added by the first, may administer; an approver may not add admins; a removed admin may not")
    func secondAdmin() async throws {
        let ledger = try await Self.ledger()
        let root = try await ledger.ok("keys", "generate", "--out", ledger.key("root2"), "--json").jsonObject()
        let refused = try await ledger.shiplog.run(["admins", "add", "root2", "--public-key", root["publicKey"] as! String, "--key", ledger.key("alice")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("admin"))
        try await ledger.ok("admins", "add", "root2", "--public-key", root["publicKey"] as! String, "--key", ledger.key("admin"))
        try await ledger.ok("policy", "set", "--env", "prod", "--approvals", "3", "--key", ledger.key("root2"))
        #expect(try await ledger.shiplog.run(["verify"]).status == 0)

        let last = try await ledger.shiplog.run(["admins", "remove", "admin", "--key", ledger.key("admin")])
        #expect(last.status == 1)
        #expect(last.stderr.contains("cannot remove themself"))
        try await ledger.ok("admins", "remove", "root2", "--reason", "key rotated", "--key", ledger.key("admin"))
        let removed = try await ledger.shiplog.run(["policy", "set", "--env", "prod", "--approvals", "1", "--key", ledger.key("root2")])
        #expect(removed.status == 1)
        #expect(removed.stderr.contains("root2's admin key"), "\(removed)")
        #expect(removed.stderr.contains("was removed by admin"))
        #expect(try await ledger.shiplog.run(["verify"]).status == 0)
    }

    @Test("the CLI's JSON for keys generate and deploy request has the documented fields")
    func jsonShapes() async throws {
        let ledger = try await Self.ledger()
        let key = try await ledger.ok("keys", "generate", "--out", ledger.key("erin"), "--json").jsonObject()
        #expect((key["keyId"] as? String)?.count == 16)
        #expect((key["publicKey"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 32)
        let request = try await ledger.ok(
            "deploy", "request", "--service", "web", "--env", "prod", "--version", "1.2.3", "--json", "--key", ledger.key("carol")
        ).jsonObject()
        #expect((request["id"] as? String)?.hasPrefix("d-") == true)
        let mode = try FileManager.default.attributesOfItem(atPath: ledger.key("erin"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("an admin sets where web runs on prod and which alarms roll it back; target list shows it; a person may not")
    func targets() async throws {
        let ledger = try await Self.ledger()
        try await ledger.ok(
            "target", "set", "--env", "prod", "--service", "web", "--ecs-cluster", "prod-cluster", "--ecs-service", "web-svc",
            "--region", "eu-west-1", "--alarm", "prod-web-5xx", "--alarm-dimension", "ServiceName=web-svc", "--watch", "45m",
            "--auto-rollback", "--key", ledger.key("admin"))
        let list = try await ledger.ok("target", "list", "--json")
        let rows = try #require(try list.json() as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["ecsService"] as? String == "web-svc" && rows.first?["watchSeconds"] as? Int == 2700)
        #expect(rows.first?["alarms"] as? [String] == ["prod-web-5xx"] && rows.first?["autoRollback"] as? Bool == true)
        #expect(rows.first?["alarmDimensions"] as? [String] == ["ServiceName=web-svc"])
        let text = try await ledger.ok("target", "list")
        #expect(text.stdout.contains("prod-cluster/web-svc") && text.stdout.contains("45m"))

        let person = try await ledger.shiplog.run([
            "target", "set", "--env", "prod", "--service", "web", "--ecs-cluster", "c", "--ecs-service", "s", "--key", ledger.key("alice"),
        ])
        #expect(person.status == 1, "\(person)")
        let blind = try await ledger.shiplog.run([
            "target", "set", "--env", "prod", "--service", "api", "--ecs-cluster", "c", "--ecs-service", "s", "--auto-rollback",
            "--key", ledger.key("admin"),
        ])
        #expect(blind.status != 0 && blind.stderr.contains("automatic rollback needs an alarm"), "\(blind)")
        #expect(try await ledger.shiplog.run(["verify"]).status == 0)
    }

    @Test("an admin creates a token (its secret shown once, only its hash stored), lists it, revokes it; a person may not")
    func tokens() async throws {
        let ledger = try await Self.ledger()
        let created = try await ledger.ok("tokens", "create", "gh-web", "--env", "staging", "--ttl", "90d", "--json", "--key", ledger.key("admin"))
        let object = try #require(try created.json() as? [String: String])
        let secret = try #require(object["token"])
        #expect(object["name"] == "gh-web" && secret.hasPrefix("shiplog_") && secret.count == 56)
        let list = try await ledger.ok("tokens", "list", "--json")
        #expect(!list.stdout.contains(secret), "the secret is never shown again")
        let rows = try #require(try list.json() as? [[String: Any]])
        #expect(rows.first?["environments"] as? [String] == ["staging"])
        #expect(rows.first?["scopes"] as? [String] == ["build", "deploy", "migration"])
        #expect(rows.first?["expiresAt"] is String && rows.first?["revokedAt"] is NSNull)
        let stored = try await ledger.database.connect().query("SELECT count(*) FROM events WHERE payload::text LIKE '%' || \(secret) || '%'")
        #expect(try stored[0].decode(Int64.self, at: 0) == 0)

        let person = try await ledger.shiplog.run(["tokens", "create", "sneaky", "--key", ledger.key("alice")])
        #expect(person.status == 1, "\(person)")
        try await ledger.ok("tokens", "revoke", "gh-web", "--reason", "rotated", "--key", ledger.key("admin"))
        let revoked = try #require(try await ledger.ok("tokens", "list", "--json").json() as? [[String: Any]])
        #expect(revoked.first?["revokedAt"] is String)
        let text = try await ledger.ok("tokens", "list")
        #expect(text.stdout.contains("revoked") && text.stdout.contains("staging"))
        #expect(try await ledger.shiplog.run(["verify"]).status == 0)
    }

    @Test("deploy wait says who may still approve, exits 0 once the gate opens, 3 when its time runs out")
    func waitForTheGate() async throws {
        let ledger = try await Self.ledger()
        let id = try await ledger.request()
        let timedOut = try await ledger.shiplog.run(["deploy", "wait", id, "--timeout", "2s", "--interval", "1"])
        #expect(timedOut.status == 3, "\(timedOut)")
        #expect(timedOut.stdout.contains("may approve: alice, bob"), "\(timedOut)")  // not carol, the requester; not dave, staging only

        let waiting = Task { try await ledger.shiplog.run(["deploy", "wait", id, "--timeout", "60s", "--interval", "1"]) }
        try await Task.sleep(for: .milliseconds(1500))
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("alice"))
        try await ledger.ok("deploy", "approve", id, "--key", ledger.key("bob"))
        let opened = try await waiting.value
        #expect(opened.status == 0, "\(opened)")
        #expect(opened.stdout.contains("gate open: 2 of 2 approvals"), "\(opened)")
    }
}
