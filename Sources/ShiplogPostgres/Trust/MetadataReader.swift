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
            // Lowercase only: readers find the rest of a command by its id as text.
            guard utf8.count >= signerStart + 18, utf8.starts(with: prefix),
                !utf8[prefix.count..<(prefix.count + 36)].contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }),
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
            let literal = UnsafeBufferPointer(rebasing: rest[(quote + intentKey.count)..<(rest.endIndex - 1)])
            guard let json = unescape(literal) else { return nil }
            return .some((envelope, (json, signature)))
        }
        if let fast { return fast }
        return CommandEnvelope.parse(metadataJSON: metadata).map { ($0.envelope, $0.signed) }
    }

    /// The text of a JSON string literal (`"..."`, quotes included); nil when it is not one
    /// (then the JSON parser decides).
    static func unescape(_ literal: UnsafeBufferPointer<UInt8>) -> String? {
        guard literal.count >= 2, literal.first == UInt8(ascii: "\""), literal.last == UInt8(ascii: "\"") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(literal.count)
        var index = 1
        let end = literal.count - 1
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= end else { return nil }
            var value: UInt32 = 0
            for byte in literal[at..<(at + 4)] {
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
        while index < end {
            let byte = literal[index]
            if byte == UInt8(ascii: "\"") { return nil }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else { return nil }
            let escaped = literal[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(index) else { return nil }
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard index + 1 < end, literal[index] == UInt8(ascii: "\\"), literal[index + 1] == UInt8(ascii: "u"),
                        let low = hex4(index + 2), (0xDC00..<0xE000).contains(low)
                    else { return nil }
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out += Array(String(Character(unicode)).utf8)
            default:
                return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}

/// The command an event belongs to, as its metadata names it.
public enum CommandMetadata {
    public static func commandID(_ metadata: String) -> UUID? {
        MetadataReader.envelope(metadata)?.0.commandID
    }
}
