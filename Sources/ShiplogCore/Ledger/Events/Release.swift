import Foundation

/// A version of a service that ran in an environment, and the deploy that brought it.
public struct Release: Hashable, Sendable, Codable {
    public var deployID: DeployID?
    public var version: ServiceVersion
    public var artifact: ArtifactDigest
    public var deployedBy: LedgerActor?
    public var deployedAt: Date

    /// The JSON keys inside event payloads: renaming a property must not rename its key.
    private enum CodingKeys: String, CodingKey {
        case deployID, version, artifact, deployedBy, deployedAt
    }

    public init(
        deployID: DeployID?, version: ServiceVersion, artifact: ArtifactDigest, deployedBy: LedgerActor?,
        deployedAt: Date
    ) {
        self.deployID = deployID
        self.version = version
        self.artifact = artifact
        self.deployedBy = deployedBy
        self.deployedAt = deployedAt
    }
}
