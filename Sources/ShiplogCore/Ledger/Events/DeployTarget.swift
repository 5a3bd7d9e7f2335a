import Foundation

/// Where a service runs in an environment: an ECS service in a cluster.
public struct DeployTarget: Hashable, Sendable, Codable {
    public var cluster: String
    public var ecsService: String
    /// The AWS region; nil means the server's default.
    public var region: String?

    /// The JSON keys inside event payloads: renaming a property must not rename its key.
    private enum CodingKeys: String, CodingKey {
        case cluster, ecsService, region
    }

    public init(cluster: String, ecsService: String, region: String?) {
        self.cluster = cluster
        self.ecsService = ecsService
        self.region = region
    }
}
