import Foundation

/// What kind of failure an error is: the one thing a door needs to answer it. The CLI maps it
/// to an exit code once (`Shiplog.exitCode(for:)`); the server will map it to an HTTP status.
public enum ErrorKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The input is malformed (a name, a time, a key file, a payload): fix it and run again.
    case invalidInput
    /// Something it names does not exist (a deploy, an environment, a stream).
    case notFound
    /// The ledger's rules refuse it: not allowed, wrong state, already there, a rule it breaks.
    case refused
    /// The gate is closed: the deploy may not start yet, for the reasons given.
    case gateClosed
    /// It lost a race or timed out waiting; nothing was written: run it again.
    case retry
    /// The database cannot be reached or started.
    case unavailable
    /// Stored data or the schema is broken or out of date: a person must look.
    case failure
}

/// An error that says what kind of failure it is. Every error of Shiplog's own has one.
public protocol ClassifiedError: Error, CustomStringConvertible {
    var kind: ErrorKind { get }
}

extension LedgerError: ClassifiedError {
    public var kind: ErrorKind {
        switch code {
        case .invalidValue: .invalidInput
        case .notFound: .notFound
        case .alreadyExists, .wrongState, .notAuthorized, .conflict, .approvalRefused: .refused
        case .gateClosed: .gateClosed
        case .raceLost: .retry
        case .malformedEvent: .failure
        }
    }
}

extension EventValidationError: ClassifiedError {
    public var kind: ErrorKind { .invalidInput }
}
