import Foundation
import ShiplogCore

/// Reads the command envelope from metadata, fast for the exact shape shiplog writes.
enum MetadataReader {
    static func envelope(_ metadata: String) -> (CommandEnvelope, SignatureBytes?)? {
        // {"command":"<36>","signer":"<16>"[,"signature":"<b64>"]}
        var text = metadata
        let fast: (CommandEnvelope, SignatureBytes?)? = text.withUTF8 { utf8 in
            let prefix = #"{"command":""#.utf8, middle = #"","signer":""#.utf8
            let signerStart = prefix.count + 36 + middle.count
            guard utf8.count >= signerStart + 18, utf8.starts(with: prefix),
                UnsafeBufferPointer(rebasing: utf8[(prefix.count + 36)..<signerStart]).elementsEqual(middle),
                let id = UUID(canonicalText: UnsafeBufferPointer(rebasing: utf8[prefix.count..<(prefix.count + 36)])),
                let signer = try? SignerKeyID(String(decoding: utf8[signerStart..<(signerStart + 16)], as: UTF8.self))
            else { return nil }
            let rest = UnsafeBufferPointer(rebasing: utf8[(signerStart + 16)...])
            if rest.elementsEqual(#""}"#.utf8) { return (CommandEnvelope(commandID: id, signer: signer), nil) }
            let signatureKey = #"","signature":""#.utf8
            guard rest.starts(with: signatureKey), rest.count > signatureKey.count + 2, rest.last == UInt8(ascii: "}"),
                let signature = try? SignatureBytes(
                    base64: String(decoding: rest.dropFirst(signatureKey.count).dropLast(2), as: UTF8.self))
            else { return nil }
            return (CommandEnvelope(commandID: id, signer: signer), signature)
        }
        if let fast { return fast }
        return CommandEnvelope.parse(metadataJSON: metadata).map { ($0.envelope, $0.signature) }
    }
}
