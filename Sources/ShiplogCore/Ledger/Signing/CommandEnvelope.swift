import Foundation

/// How a signed command travels with the events it caused.
///
/// Every event a command appends carries, in its metadata, the command's id and the signer's
/// key id; the last one also carries the signature and the signed intent (`CommandIntent`):
///
///     {"command":"<uuid>","signer":"<key id>"}
///     {"command":"<uuid>","signer":"<key id>","signature":"<base64>","intent":"<intent JSON text>"}
///
/// The signature covers `shiplog-intent-v1\n` + the intent's JSON text, exactly as stored
/// (a JSON string here), so an outside verifier recomputes the bytes from the log alone.
public struct CommandEnvelope: Hashable, Sendable {
    public var commandID: UUID
    public var signer: SignerKeyID

    public init(commandID: UUID, signer: SignerKeyID) {
        self.commandID = commandID
        self.signer = signer
    }

    /// The metadata JSON of one event of the command; `signed` only on the last.
    public func metadataJSON(signed: SignedIntent?) -> String {
        var text = #"{"command":"\#(commandID.uuidString.lowercased())","signer":"\#(signer)""#
        if let signed {
            text += #","signature":"\#(signed.signature.base64)","intent":"#
            text += Self.jsonString(signed.json)
        }
        return text + "}"
    }

    /// Reads the envelope back from stored metadata; nil when the event carries none. The
    /// last event also gives the intent's JSON text and the signature.
    public static func parse(metadataJSON: String) -> (envelope: CommandEnvelope, signed: (json: String, signature: SignatureBytes)?)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(metadataJSON.utf8)) as? [String: Any],
            // Lowercase only: readers find the rest of a command by its id as text.
            let text = object["command"] as? String, text == text.lowercased(), let command = UUID(uuidString: text),
            let signer = (object["signer"] as? String).flatMap({ try? SignerKeyID($0) })
        else { return nil }
        let envelope = CommandEnvelope(commandID: command, signer: signer)
        guard let json = object["intent"] as? String,
            let signature = (object["signature"] as? String).flatMap({ try? SignatureBytes(base64: $0) })
        else { return (envelope, nil) }
        return (envelope, (json, signature))
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
