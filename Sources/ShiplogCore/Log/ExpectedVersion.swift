/// What an append expects of its stream's current version: the optimistic-concurrency check.
///
/// Stream versions count events: a stream's first event has version 1, so a stream at
/// version 0 does not exist yet.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check: append whatever the stream's version.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must be at exactly this version.
    case exact(Int64)

    /// Parses the CLI spelling: `any`, `none` (or `no-stream`), or a version number ≥ 0.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "any": self = .any
        case "none", "no-stream", "nostream": self = .noStream
        default:
            guard let version = Int64(argument), version >= 0 else { return nil }
            self = version == 0 ? .noStream : .exact(version)
        }
    }

    /// The version the stream must have, or nil for `.any`.
    public var required: Int64? {
        switch self {
        case .any: nil
        case .noStream: 0
        case .exact(let version): version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "none"
        case .exact(let version): String(version)
        }
    }
}
