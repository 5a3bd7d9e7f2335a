import Foundation

/// What an approver signs: "I approve deploy d-42 of web 1.2.3 (this exact artifact) to prod,
/// until this time, with this key."
///
/// ## Canonical encoding, version 1
///
/// `canonicalBytes` is the UTF-8 encoding of exactly eight lines, each ending in `\n`
/// (0x0A), in this order, with no spaces around `=` and no trailing data:
///
/// ```
/// shiplog-approval-v1
/// deploy=<deploy id>              d-42
/// environment=<environment>       prod
/// service=<service>               web
/// version=<version>               1.2.3
/// artifact=<artifact digest>      sha256:<64 lowercase hex>
/// expires=<RFC 3339 UTC seconds>  2026-11-22T14:05:00Z
/// signer=<signer key id>          16 lowercase hex
/// ```
///
/// Every value is ASCII and validated by its type (`DeployID`, `Environment`, `ServiceName`,
/// `ServiceVersion`, `ArtifactDigest`, `SignerKeyID`), none can contain a newline, `=` or
/// space, so the encoding is unambiguous and an outside verifier can rebuild it from the
/// statement's JSON. The expiry is whole seconds: `init` floors `expiresAt`. A future format
/// gets a new first line (`shiplog-approval-v2`); verifiers must refuse a version they do not know.
public struct ApprovalStatement: Hashable, Sendable, Codable {
    /// The first line of the encoding, naming its version.
    public static let formatVersion = "shiplog-approval-v1"

    public var deployID: DeployID
    public var environment: Environment
    public var service: ServiceName
    public var version: ServiceVersion
    public var artifact: ArtifactDigest
    /// When the approval stops counting; always a whole second.
    public private(set) var expiresAt: Date
    /// The key that signs the statement.
    public var signer: SignerKeyID

    public init(
        deployID: DeployID,
        environment: Environment,
        service: ServiceName,
        version: ServiceVersion,
        artifact: ArtifactDigest,
        expiresAt: Date,
        signer: SignerKeyID
    ) {
        self.deployID = deployID
        self.environment = environment
        self.service = service
        self.version = version
        self.artifact = artifact
        self.expiresAt = LedgerTime.wholeSeconds(expiresAt)
        self.signer = signer
    }

    /// The statement approving a requested deploy: its id, environment, service, version and
    /// artifact, valid until `expiresAt`, signed by `signer`.
    public init(approving request: LedgerEvent.DeployRequested, expiresAt: Date, signer: SignerKeyID) {
        self.init(
            deployID: request.deployID, environment: request.environment, service: request.service,
            version: request.version, artifact: request.artifact, expiresAt: expiresAt, signer: signer)
    }

    /// The canonical text; see the type's documentation.
    public var canonicalText: String {
        """
        \(Self.formatVersion)
        deploy=\(deployID)
        environment=\(environment)
        service=\(service)
        version=\(version)
        artifact=\(artifact)
        expires=\(LedgerTime.secondsString(expiresAt))
        signer=\(signer)

        """
    }

    /// The bytes that are signed: the UTF-8 of `canonicalText`.
    public var canonicalBytes: [UInt8] { Array(canonicalText.utf8) }

    /// The fields that differ from `request`, in users' words ("artifact digest"), empty when
    /// the statement names exactly this deploy.
    public func differences(from request: LedgerEvent.DeployRequested) -> [String] {
        var fields: [String] = []
        if deployID != request.deployID { fields.append("deploy id") }
        if environment != request.environment { fields.append("environment") }
        if service != request.service { fields.append("service") }
        if version != request.version { fields.append("version") }
        if artifact != request.artifact { fields.append("artifact digest") }
        return fields
    }

    private enum CodingKeys: String, CodingKey {
        case deployID, environment, service, version, artifact, expiresAt, signer
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            deployID: try container.decode(DeployID.self, forKey: .deployID),
            environment: try container.decode(Environment.self, forKey: .environment),
            service: try container.decode(ServiceName.self, forKey: .service),
            version: try container.decode(ServiceVersion.self, forKey: .version),
            artifact: try container.decode(ArtifactDigest.self, forKey: .artifact),
            expiresAt: try container.decode(Date.self, forKey: .expiresAt),
            signer: try container.decode(SignerKeyID.self, forKey: .signer))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deployID, forKey: .deployID)
        try container.encode(environment, forKey: .environment)
        try container.encode(service, forKey: .service)
        try container.encode(version, forKey: .version)
        try container.encode(artifact, forKey: .artifact)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(signer, forKey: .signer)
    }
}
