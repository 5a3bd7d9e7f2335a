import ShiplogCore

/// Events for one stream, with the version the stream is expected to be at.
public struct AppendRequest: Sendable {
    public var stream: String
    public var expectedVersion: ExpectedVersion
    public var events: [NewEvent]

    public init(stream: String, expectedVersion: ExpectedVersion = .any, events: [NewEvent]) {
        self.stream = stream
        self.expectedVersion = expectedVersion
        self.events = events
    }
}

/// Where an append landed.
public struct AppendResult: Sendable, Hashable, Codable {
    public var stream: String
    public var firstPosition: Int64
    public var lastPosition: Int64
    /// The stream's version after the append.
    public var streamVersion: Int64
    /// True when every event id was already in the log: a retry, answered with the original positions.
    public var wasDuplicate: Bool

    public init(stream: String, firstPosition: Int64, lastPosition: Int64, streamVersion: Int64, wasDuplicate: Bool) {
        self.stream = stream
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.streamVersion = streamVersion
        self.wasDuplicate = wasDuplicate
    }
}

/// What the database said about one request of a group.
enum AppendOutcome: Sendable {
    case appended(AppendResult)
    case conflict(actualVersion: Int64)
    case idReused
}

/// Why an append was refused. Nothing of the refused request was written.
public struct AppendError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Hashable {
        /// The stream was not at the expected version (someone else appended first).
        case wrongExpectedVersion
        /// An event id belongs to a different event already in the log.
        case idReused
        /// The request itself is unusable (no events, duplicate ids, bad stream name).
        case invalidRequest
    }

    public var code: Code
    public var stream: String
    public var expected: ExpectedVersion?
    public var actualVersion: Int64?
    public var description: String

    static func wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: Int64) -> AppendError {
        let state = actual == 0 ? "does not exist yet" : "is at version \(actual)"
        let expectation =
            switch expected {
            case .noStream: "expected it not to exist"
            case .exact(let version): "expected version \(version)"
            case .any: "expected any version"
            }
        return AppendError(
            code: .wrongExpectedVersion, stream: stream, expected: expected, actualVersion: actual,
            description:
                "version conflict on stream \(stream): it \(state), the append \(expectation); someone else appended first: re-read the stream and retry")
    }

    static func idReused(stream: String) -> AppendError {
        AppendError(
            code: .idReused, stream: stream,
            description:
                "an event id appended to \(stream) already belongs to a different event in the log; use a new id (a retry must resend the same event unchanged)")
    }

    static func invalid(stream: String, _ reason: String) -> AppendError {
        AppendError(code: .invalidRequest, stream: stream, description: reason)
    }
}
