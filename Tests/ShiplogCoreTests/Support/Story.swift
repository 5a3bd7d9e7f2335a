import Foundation
import ShiplogCore

/// The team of the story, on an in-memory ledger: an admin (root); alice, bob, erin
/// (prod approvers), carol (a developer who may approve prod and staging), dave (staging only),
/// a CI key and the Slack bot. Policy: prod needs 2 approvals, staging 1. Builds of web 1.2.2
/// and 1.2.3 are recorded.
struct Story {
    var ledger = InMemoryLedger()
    var now = storyStart
    let verifier = ChecksumSignatureVerifier()

    let root = TestKey("root")
    let alice = TestKey("alice")
    let bob = TestKey("bob")
    let carol = TestKey("carol")
    let dave = TestKey("dave")
    let erin = TestKey("erin")
    let ci = TestKey("ci-web")
    let slackBot = TestKey("slack-bot")

    let prod = env("prod")
    let staging = env("staging")
    let web = service("web")
    let artifact123 = digest("a")
    let artifact122 = digest("b")

    init(prodPolicy: EnvironmentPolicy = EnvironmentPolicy(approvalsRequired: 2)) throws {
        try ledger.append(
            TrustRoot.decide(
                .initialize(name: root.name, publicKey: root.publicKey, keyID: root.keyID),
                state: ledger.state(TrustRoot.self, .ledger), now: now))
        try enroll(alice, [prod, staging], slack: "U0ALICE")
        try enroll(bob, [prod], slack: "U0BOB")
        try enroll(carol, [prod, staging])
        try enroll(dave, [staging])
        try enroll(erin, [prod])
        try enroll(ci, [], kind: .ci)
        try enroll(slackBot, [], kind: .slackBot)
        try setPolicy(prod, prodPolicy)
        try setPolicy(staging, EnvironmentPolicy(approvalsRequired: 1))
        try recordBuild(version("1.2.2"), artifact122)
        try recordBuild(version("1.2.3"), artifact123)
    }

    mutating func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }

    mutating func enroll(
        _ key: TestKey, _ environments: [Environment], slack: String? = nil, kind: ApproverKind = .person
    ) throws {
        try ledger.append(
            ApproverRegistry.decide(
                .enroll(
                    name: key.name, publicKey: key.publicKey, keyID: key.keyID,
                    slackUserID: try slack.map(SlackUserID.init), environments: environments, kind: kind,
                    by: root.actor),
                state: ledger.state(ApproverRegistry.self, .approvers),
                trustRoot: ledger.state(TrustRoot.self, .ledger),
                now: now))
    }

    mutating func revoke(_ key: TestKey) throws {
        try ledger.append(
            ApproverRegistry.decide(
                .revoke(name: key.name, reason: "laptop lost", by: root.actor),
                state: ledger.state(ApproverRegistry.self, .approvers),
                trustRoot: ledger.state(TrustRoot.self, .ledger),
                now: now))
    }

    mutating func setPolicy(_ environment: Environment, _ policy: EnvironmentPolicy) throws {
        try ledger.append(
            PolicyRecord.decide(
                .set(environment: environment, policy: policy, by: root.actor),
                state: ledger.state(PolicyRecord.self, .policy(environment)),
                trustRoot: ledger.state(TrustRoot.self, .ledger), now: now))
    }

    mutating func recordBuild(_ version: ServiceVersion, _ artifact: ArtifactDigest) throws {
        try ledger.append(
            BuildCatalog.decide(
                .record(
                    service: web, version: version, artifact: artifact, commit: "4f2a9c1",
                    taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42", by: ci.actor),
                state: ledger.builds(web), now: now))
    }

    mutating func lock(_ environment: Environment, service: ServiceName? = nil, reason: String, by key: TestKey) throws
    {
        let current =
            service.map { ledger.state(ServiceEnvironment.self, .serviceEnvironment(environment, $0)).lock }
            ?? ledger.state(EnvironmentWide.self, .environment(environment)).lock
        try ledger.append(
            EnvironmentLocks.decide(
                .lock(environment: environment, service: service, reason: reason, by: key.actor), current: current,
                policy: ledger.state(PolicyRecord.self, .policy(environment)),
                trustRoot: ledger.state(TrustRoot.self, .ledger), now: now))
    }

    /// Requests `version` of web to `environment` as `key`.
    @discardableResult
    mutating func request(
        _ id: String, version: String = "1.2.3", to environment: Environment? = nil, by key: TestKey? = nil,
        artifact: ArtifactDigest? = nil, allowUnrecorded: Bool = false
    ) throws -> Decision {
        let request = DeployRequest(
            id: deployID(id), service: web, environment: environment ?? prod,
            version: ShiplogCoreTests.version(version),
            artifact: artifact, reason: "release", allowUnrecorded: allowUnrecorded, by: (key ?? carol).actor)
        let context = ledger.deployContext(id: request.id, environment: request.environment, service: web)
        let decision = try Deploy.decide(.request(request), context: context, now: now, verifier: verifier)
        try ledger.append(decision)
        return decision
    }

    /// Runs a deploy command against the deploy's current context.
    @discardableResult
    mutating func run(_ command: Deploy.Command, on id: String) throws -> Decision {
        let decision = try Deploy.decide(command, context: context(id), now: now, verifier: verifier)
        try ledger.append(decision)
        return decision
    }

    func context(_ id: String) -> Deploy.Context {
        let deploy = ledger.state(Deploy.self, .deploy(deployID(id)))
        return ledger.deployContext(
            id: deployID(id), environment: deploy.request?.environment ?? prod, service: deploy.request?.service ?? web)
    }

    /// The statement `key` would sign for deploy `id`, valid for an hour unless told otherwise.
    func statement(for id: String, signer key: TestKey, validFor seconds: TimeInterval = 3600) -> ApprovalStatement {
        let request = ledger.state(Deploy.self, .deploy(deployID(id))).request!
        return ApprovalStatement(approving: request, expiresAt: now.addingTimeInterval(seconds), signer: key.keyID)
    }

    /// `key` approves deploy `id` from the CLI.
    mutating func approve(_ id: String, by key: TestKey, validFor seconds: TimeInterval = 3600) throws {
        let statement = statement(for: id, signer: key, validFor: seconds)
        try run(
            .approve(deployID: deployID(id), statement: statement, signature: key.sign(statement), via: .cli), on: id)
    }

    /// Records an approval event without the submission check, as a tampered or buggy writer could.
    mutating func recordApprovalDirectly(
        _ id: String, approver: TestKey, statement: ApprovalStatement, signature: SignatureBytes,
        signer: TestKey? = nil, via: ApprovalChannel = .cli
    ) {
        ledger.appendDirectly(
            .deployApproved(
                .init(
                    deployID: deployID(id), approver: approver.name, statement: statement, signature: signature,
                    signerKeyID: (signer ?? approver).keyID, via: via, approvedAt: now)),
            to: .deploy(deployID(id)))
    }

    func gate(_ id: String, breakGlass: BreakGlass? = nil) -> GateDecision {
        let context = context(id)
        return Gate.evaluate(
            deploy: context.deploy, approvers: context.approvers, policy: context.policy.policy, locks: context.locks,
            now: now, verifier: verifier, breakGlass: breakGlass)
    }

    func serviceEnvironment(_ environment: Environment? = nil) -> ServiceEnvironment.State {
        ledger.state(ServiceEnvironment.self, .serviceEnvironment(environment ?? prod, web))
    }
}
