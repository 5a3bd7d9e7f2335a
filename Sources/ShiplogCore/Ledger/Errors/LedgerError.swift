import Foundation

/// An error from the ledger's domain: a refused command, a malformed value or payload.
///
/// `message` is written for the person at the terminal: it says what happened and, where
/// there is one, what to do. It never contains key material or signatures.
public struct LedgerError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What kind of failure this is, for callers that branch (exit codes, HTTP status).
    public enum Code: String, Sendable, Equatable, Codable {
        /// A value (name, digest, version, reason, policy field) is malformed.
        case invalidValue
        /// The command names something the ledger does not know (deploy, approver, environment).
        case notFound
        /// The command would create something that already exists.
        case alreadyExists
        /// The aggregate is in a state where the command makes no sense.
        case wrongState
        /// The actor may not do this (not an admin, not the requester, ...).
        case notAuthorized
        /// The command conflicts with the ledger's rules (one active deploy, a build's digest).
        case conflict
        /// Someone else changed a stream the command read, at the same moment, and the command
        /// kept losing: nothing was written; run it again. Not a refusal.
        case raceLost
        /// The gate refused: see `gate` for every reason.
        case gateClosed
        /// An approval was refused at submission (bad signature, wrong deploy or artifact).
        case approvalRefused
        /// A stored event could not be decoded.
        case malformedEvent
    }

    public var code: Code
    public var message: String
    /// The gate's full decision when `code` is `.gateClosed`.
    public var gate: GateDecision?

    public init(_ code: Code, _ message: String, gate: GateDecision? = nil) {
        self.code = code
        self.message = message
        self.gate = gate
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
