import Foundation

/// Why a service's active slot in an environment is taken: a deploy, or its rollback.
public enum ActiveDeployPurpose: String, Hashable, Sendable, Codable {
    case deploy
    case rollback
}
