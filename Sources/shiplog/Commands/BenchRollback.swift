import ArgumentParser
import Foundation
import Logging
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres

import struct Hummingbird.Application
import protocol Hummingbird.ApplicationProtocol
import struct Hummingbird.Request
import struct Hummingbird.Response
import class Hummingbird.Router

/// `shiplog bench rollback`: a real `shiplog serve` (a child process) subscribed to an SNS topic
/// in moto_server; each round deploys twice, publishes a CloudWatch alarm, and times how long it
/// takes from the publish to the server's `UpdateService` reaching moto (through a timing proxy).
struct BenchRollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Alarm to rollback: time from an SNS alarm to UpdateService reaching ECS (moto), p50/p99.",
        discussion: """
            Needs moto_server: give --moto URL, or have moto_server on PATH (pip install 'moto[server]') \
            and the bench starts one. Each round: deploy 1.0.0 and then 2.0.0 of a service on moto's \
            ECS, publish a CloudWatch alarm to the topic shiplog serve is subscribed to, and time the \
            publish call's start to the server's UpdateService arriving at moto (a loopback proxy in \
            front of moto notes it); then wait for RollbackSucceeded and unlock. The publish includes \
            moto delivering the message to the server. Target: p99 ≤ 250 ms.
            """)

    @Option(name: .customLong("database"), help: "The scratch database.") var scratch = "shiplog_bench_rollback"
    @Option(parsing: .unconditional, help: "Alarms (rounds).", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var alarms = 50
    @Option(parsing: .unconditional, help: "Port for the server.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var port = 18_090
    @Option(help: "A running moto_server's URL (default: start one).") var moto: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        var children: [Process] = []
        defer { for child in children where child.isRunning { child.terminate() } }
        let motoURL: String
        if let moto {
            motoURL = moto
        } else {
            let motoPort = port + 2
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(motoPort)]
            var environment = ProcessInfo.processInfo.environment
            environment["MOTO_ECS_SERVICE_RUNNING"] = "1"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            children.append(process)
            motoURL = "http://127.0.0.1:\(motoPort)"
        }
        let http = HTTPClient(maxConcurrentTransfers: 16, label: "shiplog.bench.rollback")
        guard try await Self.wait(for: motoURL + "/moto-api/", http: http) else {
            throw ValidationError("moto_server did not answer at \(motoURL): install it (pip install 'moto[server]') or pass --moto URL")
        }

        // A timing proxy in front of moto: notes when each UpdateService arrives.
        let arrivals = Arrivals()
        let proxyPort = port + 1
        let router = Router()
        router.on("/", method: .post) { request, _ in try await Self.forward(request, to: motoURL, http: http, arrivals: arrivals) }
        router.get("**") { request, _ in try await Self.forward(request, to: motoURL, http: http, arrivals: arrivals) }
        var quiet = Logger(label: "shiplog.bench.proxy")
        quiet.logLevel = .critical
        let proxy = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: proxyPort)), logger: quiet)
        let proxyTask = Task { try await proxy.runService() }
        defer { proxyTask.cancel() }

        // The ledger, the ECS service and the topic.
        let pool = try await BenchDatabase.open(scratch, from: database, reset: true, maximumConnections: 4)
        let ledger = LedgerService(store: LedgerStore(events: EventStore(pool: pool)))
        let admin = SigningKey.generate(), server = SigningKey.generate(), ci = SigningKey.generate()
        _ = try await ledger.initialize(admin: "admin", key: admin)
        try await ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 0), key: admin)
        _ = try await ledger.enrollApprover(
            name: "shiplog-server", publicKey: server.publicKey.base64, slackUser: nil, environments: [], kind: .slackBot, key: admin)
        _ = try await ledger.enrollApprover(
            name: "ci", publicKey: ci.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person, key: admin)
        let credentials = AWSCredentialSource(AWSCredentials(accessKeyId: "bench", secretAccessKey: "bench"), http: http)
        var ecs = ECSClient(http: http, credentials: credentials, settings: AWSSettings(defaultRegion: "us-east-1", endpoint: motoURL))
        ecs.baseDelay = .milliseconds(10)
        struct Ignored: Decodable {}
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let cluster = "bench-\(tag)", family = "web-\(tag)"
        let _: Ignored = try await ecs.call("CreateCluster", region: nil, ["clusterName": cluster])
        for image in ["web:1.0.0", "web:2.0.0"] {
            let _: Ignored = try await ecs.call(
                "RegisterTaskDefinition", region: nil, ["family": family, "containerDefinitions": [["name": "web", "image": image, "memory": 512]]])
        }
        let _: Ignored = try await ecs.call(
            "CreateService", region: nil, ["cluster": cluster, "serviceName": "web", "taskDefinition": "\(family):1", "desiredCount": 1])
        try await ledger.run(
            .setTarget(
                environment: try Environment("prod"), service: try ServiceName("web"),
                target: DeployTarget(
                    cluster: cluster, ecsService: "web", region: "us-east-1", alarms: [try AlarmName("bench-5xx")], autoRollback: true)),
            signedWith: admin)
        for (version, revision) in [("1.0.0", 1), ("2.0.0", 2)] {
            try await ledger.recordBuild(
                service: "web", version: version, artifact: "sha256:" + String(repeating: "\(revision)a", count: 32), commit: nil,
                taskDefinition: "\(family):\(revision)", key: ci)
        }
        let sns = SNSQuery(endpoint: motoURL, http: http)
        let topic = try await sns.createTopic("bench-alarms-\(tag)")

        // The server.
        let serve = try await BenchServer.start(
            port: port, pool: pool, key: server,
            settings: [
                "SHIPLOG_SNS_TOPIC_ARNS": topic, "SHIPLOG_AWS_ENDPOINT": "http://127.0.0.1:\(proxyPort)", "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
            ])
        defer { serve.stop() }
        guard try await Self.wait(for: "http://127.0.0.1:\(port)/healthz", http: http) else {
            throw ValidationError("shiplog serve did not start on port \(port)")
        }
        try await sns.subscribe(topic, url: "http://127.0.0.1:\(port)/hooks/sns")

        var runner = DeployRunner(ledger: ledger, ecs: ecs)
        runner.pollInterval = .milliseconds(50)
        runner.logger.logLevel = .warning
        var latencies: [Double] = [], missed = 0
        for round in 0..<alarms {
            var last = ""
            for version in ["1.0.0", "2.0.0"] {
                let id = try await ledger.requestDeploy(
                    service: "web", environment: "prod", version: version, artifact: nil, reason: nil, allowUnrecorded: false, key: ci)
                last = id.rawValue
                _ = try await runner.run(id.rawValue, key: ci)
            }
            let before = await arrivals.count
            let start = ContinuousClock.now
            try await sns.publish(topic, Self.alarm("bench-5xx", round: round))
            guard let arrived = await arrivals.next(after: before, waitingUpTo: .seconds(10)) else {
                missed += 1
                continue
            }
            latencies.append((arrived - start).seconds)
            let deadline = ContinuousClock.now + .seconds(30)
            while try await ledger.deploy(last).context.deploy.status != .rolledBack, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await ledger.unlock(environment: "prod", service: "web", reason: "bench round \(round)", key: admin)
        }
        serve.stop()

        let sorted = latencies.sorted()
        func percentile(_ fraction: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
        }
        var table = Table("measurement", "value", "target", "vs target")
        table.add("alarms published (one rollback each)", "\(alarms)", "-", missed == 0 ? "all rolled back" : "\(missed) without UpdateService")
        table.add("SNS publish → UpdateService at ECS, p50", String(format: "%.1f ms", percentile(0.5) * 1000), "-", "-")
        table.add("SNS publish → UpdateService at ECS, p99", String(format: "%.1f ms", percentile(0.99) * 1000), "250 ms",
            String(format: "%.2f×", 0.25 / max(percentile(0.99), 1e-9)))
        table.add("max", String(format: "%.1f ms", (sorted.last ?? 0) * 1000), "-", "-")
        print(table.rendered)
        print("\nvs target: above 1.00× meets it (target/measured)")
    }

    /// A CloudWatch alarm notification, as CloudWatch writes it, changed now.
    static func alarm(_ name: String, round: Int) -> String {
        let now = LedgerTime.payloadString(Date())
        let object: [String: Any] = [
            "AlarmName": name, "NewStateValue": "ALARM", "OldStateValue": "OK", "NewStateReason": "bench round \(round)",
            "StateChangeTime": String(now.prefix(23)) + "+0000", "Region": "US East (N. Virginia)",
            "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:\(name)", "Trigger": ["Dimensions": []],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func wait(for url: String, http: HTTPClient) async throws -> Bool {
        for _ in 0..<150 {
            if let response = try? await http.send(HTTPRequest(url: url, timeout: .seconds(1)), retry: .never), response.status == 200 {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Passes a request on to moto unchanged, noting when an `UpdateService` arrives.
    static func forward(_ request: Request, to moto: String, http: HTTPClient, arrivals: Arrivals) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let target = request.headers[values: .init("X-Amz-Target")!].first ?? ""
        if target.hasSuffix(".UpdateService") { await arrivals.note() }
        var headers: [(String, String)] = []
        for name in ["Authorization", "X-Amz-Date", "X-Amz-Target", "Content-Type", "X-Amz-Security-Token", "X-Amz-Content-Sha256"] {
            if let value = request.headers[values: .init(name)!].first { headers.append((name, value)) }
        }
        let answer = try await http.send(
            HTTPRequest(
                method: request.method == .post ? .post : .get, url: moto + request.uri.description, headers: headers,
                body: Array(body.readableBytesView)),
            retry: .never)
        var response = Response(status: .init(code: answer.status), body: .init(byteBuffer: .init(bytes: answer.body)))
        if let type = answer.headers.first(where: { $0.name.lowercased() == "content-type" })?.value {
            response.headers[.contentType] = type
        }
        return response
    }

    /// When each UpdateService reached the proxy.
    actor Arrivals {
        private var times: [ContinuousClock.Instant] = []
        var count: Int { times.count }
        func note() { times.append(.now) }
        func next(after count: Int, waitingUpTo limit: Duration) async -> ContinuousClock.Instant? {
            let deadline = ContinuousClock.now + limit
            while times.count <= count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
            return times.count > count ? times[count] : nil
        }
    }

    /// SNS's Query API, SigV4-signed for `sns`.
    struct SNSQuery {
        let endpoint: String
        let http: HTTPClient

        func call(_ fields: [(String, String)]) async throws -> String {
            let body = (fields + [("Version", "2010-03-31")]).map { key, value in
                "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)"
            }.joined(separator: "&")
            let response = try await http.send(
                HTTPRequest(
                    method: .post, url: endpoint + "/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array(body.utf8)),
                retry: .never, signing: AWSSigV4(region: "us-east-1", service: "sns", accessKeyId: "bench", secretAccessKey: "bench"))
            guard response.status == 200 else {
                throw ValidationError("moto's SNS refused \(fields.first?.1 ?? ""): HTTP \(response.status)")
            }
            return String(decoding: response.body, as: UTF8.self)
        }

        func createTopic(_ name: String) async throws -> String {
            let answer = try await call([("Action", "CreateTopic"), ("Name", name)])
            guard let arn = answer.firstMatch(of: /<TopicArn>([^<]+)<\/TopicArn>/)?.1 else {
                throw ValidationError("moto's SNS created no topic")
            }
            return String(arn)
        }

        func subscribe(_ topic: String, url: String) async throws {
            _ = try await call([("Action", "Subscribe"), ("TopicArn", topic), ("Protocol", "http"), ("Endpoint", url)])
        }

        func publish(_ topic: String, _ message: String) async throws {
            _ = try await call([("Action", "Publish"), ("TopicArn", topic), ("Message", message)])
        }
    }
}
