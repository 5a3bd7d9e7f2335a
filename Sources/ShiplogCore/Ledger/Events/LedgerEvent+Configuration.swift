import Foundation

extension LedgerEvent {
    /// An admin sets an environment's policy (stream `policy-<env>`); the newest one applies.
    public struct PolicySet: Hashable, Sendable, Codable {
        public var environment: Environment
        public var policy: EnvironmentPolicy
        public var setBy: LedgerActor
        public var setAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case environment, policy, setBy, setAt
        }

        public init(environment: Environment, policy: EnvironmentPolicy, setBy: LedgerActor, setAt: Date) {
            self.environment = environment
            self.policy = policy
            self.setBy = setBy
            self.setAt = setAt
        }
    }

    /// An admin sets where a service runs in an environment (stream `env-<env>-<service>`).
    public struct TargetSet: Hashable, Sendable, Codable {
        public var environment: Environment
        public var service: ServiceName
        public var target: DeployTarget
        public var setBy: LedgerActor
        public var setAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case environment, service, target, setBy, setAt
        }

        public init(
            environment: Environment, service: ServiceName, target: DeployTarget, setBy: LedgerActor, setAt: Date
        ) {
            self.environment = environment
            self.service = service
            self.target = target
            self.setBy = setBy
            self.setAt = setAt
        }
    }

    /// An admin issues an API token for CI (stream `tokens`). Only the token's hash is kept.
    public struct TokenIssued: Hashable, Sendable, Codable {
        public var tokenID: TokenID
        /// What the token is for, e.g. `github-actions web`.
        public var label: String
        /// Lowercase hex SHA-256 of the secret, computed by the app.
        public var tokenHash: String
        public var scopes: [String]
        /// The environments it may act on; nil: any.
        public var environments: [Environment]?
        public var expiresAt: Date?
        public var issuedBy: LedgerActor
        public var issuedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case tokenID, label, tokenHash, scopes, environments, expiresAt, issuedBy, issuedAt
        }

        public init(
            tokenID: TokenID, label: String, tokenHash: String, scopes: [String], environments: [Environment]? = nil,
            expiresAt: Date?, issuedBy: LedgerActor, issuedAt: Date
        ) {
            self.environments = environments
            self.tokenID = tokenID
            self.label = label
            self.tokenHash = tokenHash
            self.scopes = scopes
            self.expiresAt = expiresAt
            self.issuedBy = issuedBy
            self.issuedAt = issuedAt
        }
    }

    /// An admin revokes an API token (stream `tokens`).
    public struct TokenRevoked: Hashable, Sendable, Codable {
        public var tokenID: TokenID
        public var reason: String?
        public var revokedBy: LedgerActor
        public var revokedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case tokenID, reason, revokedBy, revokedAt
        }

        public init(tokenID: TokenID, reason: String?, revokedBy: LedgerActor, revokedAt: Date) {
            self.tokenID = tokenID
            self.reason = reason
            self.revokedBy = revokedBy
            self.revokedAt = revokedAt
        }
    }
}
