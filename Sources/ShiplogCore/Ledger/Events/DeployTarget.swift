import Foundation

/// Where a service runs in an environment: an ECS service in a cluster.
public struct DeployTarget: Hashable, Sendable, Codable {
    public var cluster: String
    public var ecsService: String
    /// The AWS region; nil means the server's default.
    public var region: String?

    public init(cluster: String, ecsService: String, region: String?) {
        self.cluster = cluster
        self.ecsService = ecsService
        self.region = region
    }
}
