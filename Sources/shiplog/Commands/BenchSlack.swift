import ArgumentParser
import Foundation
import Logging
import class Hummingbird.Router
import struct Hummingbird.Response
import struct Hummingbird.Application
import protocol Hummingbird.ApplicationProtocol
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres
import ShiplogSlack

/// `shiplog bench slack`: a real `shiplog serve` (a child process) taking concurrent signed
/// slash commands, as Slack would send them; acknowledgement latency and the server's memory.
struct BenchSlack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slack",
        abstract: "Concurrent signed slash commands against shiplog serve: latency p50/p99 and server RSS.",
        discussion: """
            Creates (or resets) the scratch database --database, enrolls a team with Slack users and \
            a bot key, starts `shiplog serve` on --port as a child process, and sends --commands \
            slash commands at once (status, history, show, help; each signed as Slack signs), \
            --rounds times. Each command's response_url points at a loopback stand-in, so an \
            answer the server sends late (after its acknowledgement budget, SHIPLOG_SLACK_ANSWER_MS) \
            is timed too: acknowledgement latency (the HTTP response) beside answer latency (the \
            response, or the late answer's arrival). Targets: acknowledgement p99 ≤ 100 ms (Slack \
            allows 3,000 ms); RSS ≤ 50 MB idle, ≤ 150 MB after the load.
            """)

    @Option(name: .customLong("database"), help: "The scratch database.") var scratch = "shiplog_bench_slack"
    @Option(parsing: .unconditional, help: "Concurrent commands per round.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var commands = 100
    @Option(parsing: .unconditional, help: "Rounds.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var rounds = 5
    @Option(parsing: .unconditional, help: "Port for the server.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var port = 18_080
    @Option(name: .customLong("text"), help: "A command text to send (repeatable; default: status, history, show, help in turn).")
    var onlyTexts: [String] = []
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = try await BenchDatabase.open(scratch, from: database, reset: true, maximumConnections: 4)
        let ledger = LedgerService(store: LedgerStore(events: EventStore(pool: pool)))
        let admin = SigningKey.generate(), bot = SigningKey.generate(), ci = SigningKey.generate()
        _ = try await ledger.initialize(admin: "admin", key: admin)
        try await ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: admin)
        let people = (1...20).map { "person\($0)" }
        for person in people {
            _ = try await ledger.enrollApprover(
                name: person, publicKey: SigningKey.generate().publicKey.base64, slackUser: "U\(person.uppercased())",
                environments: ["prod"], kind: .person, key: admin)
        }
        _ = try await ledger.enrollApprover(name: "slack-bot", publicKey: bot.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot, key: admin)
        _ = try await ledger.enrollApprover(name: "ci", publicKey: ci.publicKey.base64, slackUser: nil, environments: [], kind: .ci, key: admin)
        try await ledger.recordBuild(
            service: "web", version: "1.2.3", artifact: "sha256:" + String(repeating: "ab", count: 32), commit: nil,
            taskDefinition: nil, key: ci)
        let requester = SigningKey.generate()
        _ = try await ledger.enrollApprover(
            name: "requester", publicKey: requester.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person, key: admin)
        let deploy = try await ledger.requestDeploy(
            service: "web", environment: "prod", version: "1.2.3", artifact: nil, reason: nil, allowUnrecorded: false, key: requester)

        let directory = FileManager.default.temporaryDirectory.appending(path: "shiplog-bench-slack-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try KeyFile.write(bot, to: directory + "/bot.key", overwrite: true)
        let secret = Hex.encode(SecureRandom.bytes(count: 16))

        let server = Process()
        server.executableURL = URL(fileURLWithPath: try BenchLedger.executablePath())
        server.arguments = ["serve", "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try await pool.configuration.connectionString
        environment["SLACK_SIGNING_SECRET"] = secret
        environment["SHIPLOG_BOT_KEY"] = directory + "/bot.key"
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        let inbox = LateAnswerInbox()
        let router = Router()
        router.post("respond/:id") { _, context -> Response in
            await inbox.record(context.parameters.get("id") ?? "")
            return Response(status: .ok)
        }
        let receiverPort = port + 1
        var quiet = Logger(label: "shiplog.bench.respond")
        quiet.logLevel = .critical
        let receiver = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort)), logger: quiet)
        let receiverTask = Task { try await receiver.runService() }
        defer { receiverTask.cancel() }

        let http = HTTPClient(maxConcurrentTransfers: commands, label: "shiplog.bench.slack")
        let base = "http://127.0.0.1:\(port)"
        for _ in 0..<100 {
            if let response = try? await http.send(HTTPRequest(url: base + "/healthz"), retry: .never), response.status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        let idle = Self.rss(server.processIdentifier)

        let verifier = SlackVerifier(signingSecret: Array(secret.utf8))
        let texts = onlyTexts.isEmpty ? ["status prod", "history prod web", "show \(deploy)", "help"] : onlyTexts
        var latencies: [Double] = [], answers: [Double] = [], failures = 0, late = 0
        for round in 0..<rounds {
            let results = await withTaskGroup(of: (id: String, start: ContinuousClock.Instant, ack: Double, inline: Bool)?.self) { group in
                for index in 0..<commands {
                    let person = people[index % people.count]
                    let body = FormBody.encode([
                        ("team_id", "T0BENCH"), ("channel_id", "C0BENCH"), ("user_id", "U\(person.uppercased())"),
                        ("command", "/shiplog"), ("text", texts[index % texts.count]),
                        ("response_url", "http://127.0.0.1:\(receiverPort)/respond/\(round)-\(index)"),
                        ("trigger_id", "\(round).\(index).\(UUID().uuidString)"),
                    ])
                    let timestamp = String(Int(Date().timeIntervalSince1970))
                    let request = HTTPRequest(
                        method: .post, url: base + "/slack/commands",
                        headers: [
                            ("Content-Type", "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", timestamp),
                            ("X-Slack-Signature", verifier.signature(timestamp: timestamp, body: body)),
                        ],
                        body: body, timeout: .seconds(10))
                    group.addTask {
                        let start = ContinuousClock.now
                        guard let response = try? await http.send(request, retry: .never), response.status == 200 else { return nil }
                        return ("\(round)-\(index)", start, (ContinuousClock.now - start).seconds, !response.body.isEmpty)
                    }
                }
                var results: [(id: String, start: ContinuousClock.Instant, ack: Double, inline: Bool)?] = []
                for await result in group { results.append(result) }
                return results
            }
            failures += results.filter { $0 == nil }.count
            for result in results.compactMap({ $0 }) {
                latencies.append(result.ack)
                if result.inline {
                    answers.append(result.ack)
                } else if let arrived = await inbox.arrival(of: result.id, waitingUpTo: .seconds(10)) {
                    late += 1
                    answers.append((arrived - result.start).seconds)
                } else {
                    failures += 1
                }
            }
        }
        let after = Self.rss(server.processIdentifier)
        server.terminate()
        server.waitUntilExit()

        let sorted = latencies.sorted(), answered = answers.sorted()
        func percentile(_ fraction: Double, of sorted: [Double] = sorted) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
        }
        var table = Table("measurement", "value", "target", "vs target")
        table.add("slash commands answered (\(rounds) rounds of \(commands) at once)", "\(latencies.count)", "-", failures == 0 ? "all 200" : "\(failures) failed")
        table.add("acknowledgement p50", String(format: "%.1f ms", percentile(0.5) * 1000), "-", "-")
        table.add("acknowledgement p99", String(format: "%.1f ms", percentile(0.99) * 1000), "100 ms", String(format: "%.2f×", 0.1 / max(percentile(0.99), 1e-9)))
        table.add("acknowledgement max", String(format: "%.1f ms", (sorted.last ?? 0) * 1000), "3000 ms (Slack)", "-")
        table.add("answered late, at response_url", "\(late) of \(latencies.count)", "-", "-")
        table.add("answer p50 (in the response or late)", String(format: "%.1f ms", percentile(0.5, of: answered) * 1000), "-", "-")
        table.add("answer p99 (in the response or late)", String(format: "%.1f ms", percentile(0.99, of: answered) * 1000), "-", "-")
        table.add("server RSS idle", String(format: "%.1f MB", idle), "50 MB", String(format: "%.2f×", 50 / max(idle, 0.001)))
        table.add("server RSS after the load", String(format: "%.1f MB", after), "150 MB", String(format: "%.2f×", 150 / max(after, 0.001)))
        print(table.rendered)
        print("\nvs target: above 1.00× meets it (target/measured)")
    }

    /// When each late answer reached the stand-in's response_url.
    actor LateAnswerInbox {
        private var arrived: [String: ContinuousClock.Instant] = [:]

        func record(_ id: String) { arrived[id] = arrived[id] ?? .now }

        func arrival(of id: String, waitingUpTo limit: Duration) async -> ContinuousClock.Instant? {
            let deadline = ContinuousClock.now + limit
            while arrived[id] == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            return arrived[id]
        }
    }

    /// The resident set of process `pid`, in MB (`VmRSS` in /proc/PID/status).
    static func rss(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
