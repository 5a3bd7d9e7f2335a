import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogPostgres
import ShiplogTestSupport
import Testing

/// `deploy run` end to end: the ledger in a real PostgreSQL, ECS in moto_server.
@Suite("AWS: deploy run against moto_server")
struct DeployRunTests {
    /// admin; alice, bob and carol approve prod (2 needed); web's target is moto's service;
    /// web 1.2.3 is built as the service's second task definition revision.
    struct Story {
        let database: TestDatabase
        let ledger: LedgerService
        let moto: MotoECS
        let admin = SigningKey.generate(), alice = SigningKey.generate(), bob = SigningKey.generate()
        let carol = SigningKey.generate()

        static func make(ecsService: String? = nil, alarms: [String] = [], autoRollback: Bool = false, watch: Int? = nil) async throws -> Story {
            let database = try await TestDatabase.create()
            let story = Story(
                database: database, ledger: LedgerService(store: LedgerStore(events: database.store())), moto: try await MotoECS.make())
            let ledger = story.ledger
            _ = try await ledger.initialize(admin: "admin", key: story.admin)
            try await ledger.setPolicy(environment: "prod", policy: EnvironmentPolicy(approvalsRequired: 2), key: story.admin)
            for (name, key) in [("alice", story.alice), ("bob", story.bob), ("carol", story.carol)] {
                _ = try await ledger.enrollApprover(
                    name: name, publicKey: key.publicKey.base64, slackUser: nil, environments: ["prod"], kind: .person, key: story.admin)
            }
            try await ledger.run(
                .setTarget(
                    environment: try Environment("prod"), service: try ServiceName("web"),
                    target: DeployTarget(
                        cluster: story.moto.cluster, ecsService: ecsService ?? story.moto.service, region: "us-east-1",
                        alarms: try alarms.map(AlarmName.init), watchSeconds: watch, autoRollback: autoRollback)),
                signedWith: story.admin)
            try await ledger.recordBuild(
                service: "web", version: "1.2.2", artifact: "sha256:" + String(repeating: "aa", count: 32), commit: nil,
                taskDefinition: story.moto.revision(1), key: story.carol)
            try await ledger.recordBuild(
                service: "web", version: "1.2.3", artifact: "sha256:" + String(repeating: "ab", count: 32), commit: nil,
                taskDefinition: story.moto.revision(2), key: story.carol)
            return story
        }

        func request(version: String = "1.2.3") async throws -> String {
            try await ledger.requestDeploy(
                service: "web", environment: "prod", version: version, artifact: nil, reason: nil, allowUnrecorded: false, key: carol
            ).rawValue
        }

        func runner(_ ecs: ECSClient? = nil) -> DeployRunner {
            var runner = DeployRunner(ledger: ledger, ecs: ecs ?? moto.client)
            runner.pollInterval = .milliseconds(100)
            runner.rolloutLimit = .seconds(20)
            return runner
        }

        /// carol's deploys of 1.2.2 (what ran before: the last known good) and then 1.2.3, each
        /// approved by alice and bob and run on moto; the id of the second.
        func deployed() async throws -> String {
            var id = ""
            for version in ["1.2.2", "1.2.3"] {
                id = try await request(version: version)
                try await ledger.approve(id, key: alice)
                try await ledger.approve(id, key: bob)
                let outcome = try await runner().run(id, key: carol)
                #expect(outcome.succeeded)
            }
            return id
        }

        func running() async throws -> String {
            ECSTaskDefinitionName.short(
                try await moto.client.describeService(cluster: moto.cluster, service: moto.service, region: nil).taskDefinition)
        }
    }

    @Test("a gated deploy runs: moto's service shows the new task definition, the ledger the rollback point and the success")
    func gatedDeployRuns() async throws {
        let story = try await Story.make()
        let id = try await story.request()
        try await story.ledger.approve(id, key: story.alice)
        try await story.ledger.approve(id, key: story.bob)
        let outcome = try await story.runner().run(id, key: story.carol)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try await story.running() == story.moto.revision(2))
        let (context, events, _) = try await story.ledger.deploy(id)
        #expect(context.deploy.status == .succeeded)
        let started = events.compactMap { if case .deployStarted(let e) = $0 { e } else { nil } }.first
        #expect(started.map { ECSTaskDefinitionName.short($0.previousTaskDefinition ?? "") } == story.moto.revision(1))
        #expect(try await ChainVerifier(pool: story.database.pool()).verify().ok)
    }

    @Test("a closed gate stops it before AWS is touched: nothing started, the service unchanged")
    func closedGate() async throws {
        let story = try await Story.make()
        let id = try await story.request()
        try await story.ledger.approve(id, key: story.alice)
        let refused = try await #require(throws: LedgerError.self) { try await story.runner().run(id, key: story.carol) }
        #expect(refused.code == .gateClosed && refused.message.contains("1 of 2"), "\(refused)")
        #expect(try await story.running() == story.moto.revision(1))
        #expect(try await story.ledger.deploy(id).context.deploy.status == .requested)
    }

    @Test("a target naming a service ECS does not have: a clear not-found, and the deploy is not started")
    func missingService() async throws {
        let story = try await Story.make(ecsService: "nothing-here")
        let id = try await story.request()
        try await story.ledger.approve(id, key: story.alice)
        try await story.ledger.approve(id, key: story.bob)
        let error = try await #require(throws: AWSError.self) { try await story.runner().run(id, key: story.carol) }
        #expect(error.code == .notFound && error.message.contains("nothing-here"), "\(error)")
        #expect(try await story.ledger.deploy(id).context.deploy.status == .requested)
    }

    @Test("ECS throttling and 500s on the way are retried: the deploy still lands, once")
    func faultsAreRetried() async throws {
        let story = try await Story.make()
        let id = try await story.request()
        try await story.ledger.approve(id, key: story.alice)
        try await story.ledger.approve(id, key: story.bob)
        let proxy = FaultyECS(upstream: story.moto.endpoint, faults: ["ThrottlingException", "500", "ThrottlingException"])
        try await proxy.application().test(.live) { client in
            let ecs = MotoECS.client(endpoint: "http://127.0.0.1:\(try #require(client.port))")
            let outcome = try await story.runner(ecs).run(id, key: story.carol)
            #expect(outcome.succeeded, "\(outcome)")
            #expect(await proxy.faulted == 3)
        }
        #expect(try await story.running() == story.moto.revision(2))
    }

    @Test("AWS unreachable after the start: the deploy is recorded as failed, with the reason")
    func unreachable() async throws {
        let story = try await Story.make()
        let id = try await story.request()
        try await story.ledger.approve(id, key: story.alice)
        try await story.ledger.approve(id, key: story.bob)
        // Describe answers (the start is recorded), then every UpdateService is refused with 500.
        let proxy = FaultyECS(upstream: story.moto.endpoint, faults: [], failing: "UpdateService")
        try await proxy.application().test(.live) { client in
            let outcome = try await story.runner(MotoECS.client(endpoint: "http://127.0.0.1:\(try #require(client.port))"))
                .run(id, key: story.carol)
            #expect(!outcome.succeeded && outcome.failure?.contains("ServerException") == true, "\(outcome)")
        }
        let context = try await story.ledger.deploy(id).context
        #expect(context.deploy.status == .failed)
        #expect(try await story.running() == story.moto.revision(1))
    }
}

/// A loopback ECS that answers the first calls with faults (`"500"`, or an ECS error type with
/// HTTP 400), and every call of the operation `failing` with 500; everything else goes on to
/// moto unchanged.
actor FaultyECS {
    let upstream: String
    private var faults: [String]
    let failing: String?
    private(set) var faulted = 0
    /// While true, UpdateService calls wait here (a rollout in flight when a server dies).
    private var holding = false
    private(set) var held = 0

    func hold(_ on: Bool) { holding = on }

    /// While set, DescribeServices says a service rolling out a task definition ending so
    /// (e.g. `:2`) is still in progress; other rollouts pass as moto reports them.
    private var rolloutInProgress: String?
    func keepRolloutInProgress(of taskDefinition: String?) { rolloutInProgress = taskDefinition }
    func rewrite(_ operation: String, _ body: [UInt8]) -> [UInt8] {
        guard operation == "DescribeServices", let suffix = rolloutInProgress,
            var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            var services = object["services"] as? [[String: Any]], !services.isEmpty,
            (services[0]["taskDefinition"] as? String)?.hasSuffix(suffix) == true
        else { return body }
        services[0]["deployments"] = ((services[0]["deployments"] as? [[String: Any]]) ?? []).map { deployment in
            var deployment = deployment
            deployment["rolloutState"] = "IN_PROGRESS"
            return deployment
        }
        object["services"] = services
        return (try? JSONSerialization.data(withJSONObject: object)).map { Array($0) } ?? body
    }

    /// Waits while holding; counts what it held.
    func pass(_ operation: String) async {
        guard operation == "UpdateService", holding else { return }
        held += 1
        while holding { try? await Task.sleep(for: .milliseconds(20)) }
    }
    let http = HTTPClient(label: "shiplog.test.faulty-ecs")

    init(upstream: String, faults: [String], failing: String? = nil) {
        self.upstream = upstream
        self.faults = faults
        self.failing = failing
    }

    func nextFault(_ operation: String) -> String? {
        if operation == failing { return "ServerException" }
        guard !faults.isEmpty else { return nil }
        faulted += 1
        return faults.removeFirst()
    }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("/") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let target = request.headers[HTTPField.Name("X-Amz-Target")!] ?? ""
            let operation = String(target.split(separator: ".").last ?? "")
            await self.pass(operation)
            if let fault = await self.nextFault(operation) {
                if fault == "500" { return Response(status: .internalServerError) }
                let status: HTTPResponse.Status = fault == "ServerException" ? .internalServerError : .badRequest
                return Response(
                    status: status, headers: [.contentType: "application/x-amz-json-1.1"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"__type":"\#(fault)","message":"injected"}"#)))
            }
            let forwarded = try await self.http.send(
                ShiplogHTTP.HTTPRequest(
                    method: .post, url: self.upstream + "/",
                    headers: [
                        ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target),
                        ("Authorization", request.headers[.authorization] ?? ""),
                        ("X-Amz-Date", request.headers[HTTPField.Name("X-Amz-Date")!] ?? ""),
                    ],
                    body: Array(body.readableBytesView)),
                retry: .never)
            return Response(
                status: HTTPResponse.Status(code: forwarded.status), headers: [.contentType: "application/x-amz-json-1.1"],
                body: .init(byteBuffer: ByteBuffer(bytes: await self.rewrite(operation, forwarded.body))))
        }
        // Everything else (the SNS signing certificate) passes through.
        router.get("**") { request, _ -> Response in
            let forwarded = try await self.http.send(
                ShiplogHTTP.HTTPRequest(
                    url: self.upstream + request.uri.description,
                    headers: [
                        ("Authorization", request.headers[.authorization] ?? ""),
                        ("X-Amz-Date", request.headers[HTTPField.Name("X-Amz-Date")!] ?? ""),
                    ]),
                retry: .never)
            return Response(status: HTTPResponse.Status(code: forwarded.status), body: .init(byteBuffer: ByteBuffer(bytes: forwarded.body)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}
