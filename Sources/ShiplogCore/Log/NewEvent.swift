import Foundation

/// An event about to be appended: everything but what the log assigns (position, stream
/// version, time, hashes).
public struct NewEvent: Sendable, Hashable {
    public var id: UUID
    public var type: String
    /// The payload as JSON text. It is stored and hashed exactly as given.
    public var payload: String
    /// Metadata as JSON text (correlation ids, signatures, evidence).
    public var metadata: String
    /// Who caused it, in the ledger's words (an enrolled name, `system`, ...).
    public var actor: String

    /// Builds an event after checking that payload and metadata are JSON and the type is named.
    public init(id: UUID = UUID(), type: String, payload: String, metadata: String = "{}", actor: String) throws {
        guard !type.isEmpty, !type.contains(where: \.isNewline) else {
            throw EventValidationError("event type must be a non-empty single line")
        }
        try Self.checkJSON(payload, what: "payload")
        try Self.checkJSON(metadata, what: "metadata")
        self.id = id
        self.type = type
        self.payload = payload
        self.metadata = metadata
        self.actor = actor
    }

    private static func checkJSON(_ text: String, what: String) throws {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            throw EventValidationError("the event \(what) is not valid JSON: \(shown); pass a JSON value such as '{\"key\":\"value\"}'")
        }
        if text.utf8.contains(0) {
            throw EventValidationError("the event \(what) contains a NUL byte, which PostgreSQL cannot store")
        }
    }
}

/// A rejected event, with what to do about it.
public struct EventValidationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
