import Foundation

/// API tokens for CI (stream `tokens`); only their SHA-256 is on the ledger.
public enum TokenRegistry: Aggregate {
    /// An issued token.
    public struct Token: Hashable, Sendable {
        public var id: TokenID
        public var label: String
        public var tokenHash: String
        public var scopes: [String]
        /// The environments it may act on; nil: any.
        public var environments: [Environment]?
        public var expiresAt: Date?
        public var issuedBy: LedgerActor
        public var issuedAt: Date
        public var revokedAt: Date?

        /// True when the token may be used at `date`.
        public func isValid(at date: Date) -> Bool {
            if let revokedAt, revokedAt <= date { return false }
            if let expiresAt, expiresAt <= date { return false }
            return true
        }
    }

    public struct State: Hashable, Sendable {
        public var tokens: [TokenID: Token] = [:]

        public init() {}

        /// The valid token with this hash, if any.
        public func token(hash: String, at date: Date) -> Token? {
            tokens.values.first { $0.tokenHash == hash && $0.isValid(at: date) }
        }
    }

    public enum Command: Hashable, Sendable {
        case issue(
            id: TokenID, label: String, tokenHash: String, scopes: [String], environments: [Environment]? = nil,
            expiresAt: Date?, by: LedgerActor)
        case revoke(id: TokenID, reason: String?, by: LedgerActor)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, trustRoot: TrustRoot.State, now: Date) throws
        -> Decision
    {
        switch command {
        case .issue(let id, let label, let tokenHash, let scopes, let environments, let expiresAt, let actor):
            try TrustRoot.requireAdmin(actor, in: trustRoot)
            let label = try FreeText.required(label, what: "the token's label")
            guard tokenHash.utf8.count == 64, tokenHash.utf8.allSatisfy(NameRule.isLowerHex) else {
                throw LedgerError(.invalidValue, "a token hash must be a SHA-256 in 64 lowercase hex characters")
            }
            guard state.tokens[id] == nil else { throw LedgerError(.alreadyExists, "token \(id) already exists") }
            if let expiresAt, expiresAt <= now {
                throw LedgerError(.invalidValue, "token \(id) would expire before it is issued")
            }
            return Decision(
                stream: .tokens,
                events: [
                    .tokenIssued(
                        .init(
                            tokenID: id, label: label, tokenHash: tokenHash, scopes: scopes.sorted(),
                            environments: environments.map { Array(Set($0)).sorted { $0.rawValue < $1.rawValue } },
                            expiresAt: expiresAt, issuedBy: actor, issuedAt: now))
                ])
        case .revoke(let id, let reason, let actor):
            try TrustRoot.requireAdmin(actor, in: trustRoot)
            let reason = try FreeText.optional(reason, what: "the reason")
            guard let token = state.tokens[id] else { throw LedgerError(.notFound, "no token \(id)") }
            if let revokedAt = token.revokedAt {
                throw LedgerError(
                    .wrongState, "token \(id) was already revoked at \(LedgerTime.secondsString(revokedAt))")
            }
            return Decision(
                stream: .tokens,
                events: [.tokenRevoked(.init(tokenID: id, reason: reason, revokedBy: actor, revokedAt: now))])
        }
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .tokenIssued(let e):
            state.tokens[e.tokenID] = Token(
                id: e.tokenID, label: e.label, tokenHash: e.tokenHash, scopes: e.scopes, environments: e.environments,
                expiresAt: e.expiresAt,
                issuedBy: e.issuedBy, issuedAt: e.issuedAt)
        case .tokenRevoked(let e):
            state.tokens[e.tokenID]?.revokedAt = e.revokedAt
        default:
            break
        }
    }
}
