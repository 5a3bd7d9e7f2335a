import Foundation
import ShiplogCore

/// Reads the command envelope from metadata, fast for the exact shape shiplog writes
/// (`CommandEnvelope`); anything else goes through a JSON parser.
enum MetadataReader {
    typealias Signed = (json: String, signature: SignatureBytes)

    static func envelope(_ metadata: String) -> (CommandEnvelope, Signed?)? {
        // {"command":"<36>","signer":"<16>"[,"signature":"<b64>","intent":"<json text>"]}
        var text = metadata
        let fast: (CommandEnvelope, Signed?)?? = text.withUTF8 { utf8 in
            let prefix = #"{"command":""#.utf8, middle = #"","signer":""#.utf8
            let signerStart = prefix.count + 36 + middle.count
            guard utf8.count >= signerStart + 18, utf8.starts(with: prefix),
                UnsafeBufferPointer(rebasing: utf8[(prefix.count + 36)..<signerStart]).elementsEqual(middle),
                let id = UUID(canonicalText: UnsafeBufferPointer(rebasing: utf8[prefix.count..<(prefix.count + 36)])),
                let signer = try? SignerKeyID(String(decoding: utf8[signerStart..<(signerStart + 16)], as: UTF8.self))
            else { return nil }
            let envelope = CommandEnvelope(commandID: id, signer: signer)
            let rest = UnsafeBufferPointer(rebasing: utf8[(signerStart + 16)...])
            if rest.elementsEqual(#""}"#.utf8) { return .some((envelope, nil)) }
            // The last event: the signature (base64, no escapes), then the intent's JSON string.
            let signatureKey = #"","signature":""#.utf8, intentKey = #"","intent":"#.utf8
            guard rest.starts(with: signatureKey), rest.last == UInt8(ascii: "}") else { return nil }
            let afterKey = rest.dropFirst(signatureKey.count)
            guard let quote = afterKey.firstIndex(of: UInt8(ascii: "\"")),
                let signature = try? SignatureBytes(base64: String(decoding: afterKey[..<quote], as: UTF8.self)),
                rest[quote...].starts(with: intentKey)
            else { return nil }
            let literal = rest[(quote + intentKey.count)..<(rest.endIndex - 1)]
            guard let json = try? JSONDecoder().decode(String.self, from: Data(literal)) else { return .some(nil) }
            return .some((envelope, (json, signature)))
        }
        if let fast { return fast }
        return CommandEnvelope.parse(metadataJSON: metadata).map { ($0.envelope, $0.signed) }
    }
}
