import ShiplogCore

/// The one error shape of the `/v1` API: `{"error": {"code": "...", "message": "..."}}`.
///
/// `code` is a `LedgerError.Code` when the ledger refused (`gateClosed`, `notAuthorized`,
/// `conflict`, ...; the CLI through the server raises the same error, and exits with the same
/// code, as the CLI on the database), else one of the door's own codes below.
public struct APIErrorDocument: Codable, Sendable, Hashable {
    public struct Body: Codable, Sendable, Hashable {
        public var code: String
        public var message: String
    }

    public var error: Body

    public init(code: String, message: String) { error = Body(code: code, message: message) }

    /// The door's own codes, for what never reached the ledger.
    public enum DoorCode: String, Sendable, CaseIterable {
        /// 400: the body or a parameter is malformed; the message names the field.
        case badRequest
        /// 401: no token, or one that is unknown, revoked or expired.
        case unauthorized
        /// 403: the token may not do this.
        case forbidden
        /// 404: no such endpoint.
        case noSuchEndpoint
        /// 413: the body is too large.
        case bodyTooLarge
        /// 503: the server lacks what this needs (its key, its database).
        case unavailable
        /// 500: a fault of the server's own; nothing was written.
        case internalError

        public var kind: ErrorKind {
            switch self {
            case .badRequest, .bodyTooLarge: .invalidInput
            case .unauthorized, .forbidden: .refused
            case .noSuchEndpoint: .notFound
            case .unavailable: .unavailable
            case .internalError: .failure
            }
        }
    }
}

/// An error answer of the server that is not the ledger's own: raised by `HTTPLedgerClient`
/// with the kind (and exit code) of its door code.
public struct APIClientError: ClassifiedError, Sendable {
    public var kind: ErrorKind
    public var message: String
    public var description: String { message }

    public init(kind: ErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
