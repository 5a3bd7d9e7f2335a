import Foundation

/// How a signed command travels with the events it caused.
///
/// Every event a command appends carries, in its metadata, the command's id and the signer's
/// key id; the last one also carries the Ed25519 signature over `signedBytes`, which covers
/// every event of the command in order:
///
///     shiplog-command-v1\n
///     command=<uuid>\n
///     signer=<key id>\n
///     for each event:  event=<stream> <type> <payload byte count>\n<payload>\n
///
/// The payload is the exact stored JSON text, so an outside verifier can recompute the bytes
/// from the log alone.
public struct CommandEnvelope: Hashable, Sendable {
    public static let formatVersion = "shiplog-command-v1"

    public var commandID: UUID
    public var signer: SignerKeyID

    public init(commandID: UUID, signer: SignerKeyID) {
        self.commandID = commandID
        self.signer = signer
    }

    /// The bytes the signer signs for `events` (stream name, type, payload JSON).
    public func signedBytes(_ events: [(stream: String, type: String, payload: String)]) -> [UInt8] {
        var bytes = Array("\(Self.formatVersion)\ncommand=\(commandID.uuidString.lowercased())\nsigner=\(signer)\n".utf8)
        for event in events {
            bytes += Array("event=\(event.stream) \(event.type) \(event.payload.utf8.count)\n".utf8)
            bytes += Array(event.payload.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// The metadata JSON of one event of the command; `signature` only on the last.
    public func metadataJSON(signature: SignatureBytes?) -> String {
        var fields = [
            "\"command\":\"\(commandID.uuidString.lowercased())\"",
            "\"signer\":\"\(signer)\"",
        ]
        if let signature { fields.append("\"signature\":\"\(signature.base64)\"") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Reads the envelope fields back from stored metadata; nil when the event carries none.
    public static func parse(metadataJSON: String) -> (envelope: CommandEnvelope, signature: SignatureBytes?)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(metadataJSON.utf8)) as? [String: Any],
            let command = (object["command"] as? String).flatMap(UUID.init(uuidString:)),
            let signer = (object["signer"] as? String).flatMap({ try? SignerKeyID($0) })
        else { return nil }
        let signature = (object["signature"] as? String).flatMap { try? SignatureBytes(base64: $0) }
        return (CommandEnvelope(commandID: command, signer: signer), signature)
    }
}
