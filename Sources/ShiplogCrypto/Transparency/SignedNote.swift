/// A C2SP `signed-note`: a text ending in a newline, a blank line, then signature lines
/// `— name base64(key id || signature)`. The text is what is signed; signatures from keys a
/// reader does not know are kept and ignored, as Go's `note.Open` does.
public struct SignedNote: Hashable, Sendable {
    public struct Signature: Hashable, Sendable {
        public var name: String
        public var keyID: UInt32
        /// What follows the key id: 64 bytes for Ed25519, 8 + 64 for a cosignature.
        public var bytes: [UInt8]

        public init(name: String, keyID: UInt32, bytes: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        var line: String {
            let id = (0..<4).map { UInt8(truncatingIfNeeded: keyID >> (24 - 8 * $0)) }
            return "— \(name) \(Base64.encode(id + bytes))\n"
        }
    }

    /// The signed text, ending in "\n".
    public var text: String
    public var signatures: [Signature]

    public init(text: String, signatures: [Signature] = []) {
        self.text = text
        self.signatures = signatures
    }

    /// Reads a whole note: the text up to the last blank line, then its signature lines.
    public init(parsing note: String) throws {
        guard note.utf8.allSatisfy({ $0 >= 0x20 || $0 == 0x0A }) else {
            throw CryptoError(.invalidKey, "a signed note holds no control characters but newlines")
        }
        let utf8 = Array(note.utf8)
        guard let split = (0..<max(utf8.count - 1, 0)).last(where: { utf8[$0] == 0x0A && utf8[$0 + 1] == 0x0A }) else {
            throw CryptoError(.invalidKey, "not a signed note: no blank line before the signatures")
        }
        text = String(decoding: utf8[...split], as: UTF8.self)
        let block = String(decoding: utf8[(split + 2)...], as: UTF8.self)
        guard !block.isEmpty, block.hasSuffix("\n") else {
            throw CryptoError(.invalidKey, "not a signed note: no signature lines after the blank line")
        }
        signatures = try block.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map { line in
            try Self.signature(String(line))
        }
    }

    /// The signatures of `lines` (`— name base64` each, as a witness answers).
    public static func signatures(in lines: String) throws -> [Signature] {
        try lines.split(separator: "\n").map { try signature(String($0)) }
    }

    static func signature(_ line: String) throws -> Signature {
        guard line.hasPrefix("— ") else { throw CryptoError(.invalidKey, "a note signature line starts with '— '") }
        let rest = line.dropFirst(2)
        guard let space = rest.lastIndex(of: " ") else { throw CryptoError(.invalidKey, "a note signature line is 'name base64'") }
        let name = String(rest[..<space])
        let blob: [UInt8]
        do { blob = try Base64.decode(String(rest[rest.index(after: space)...])) } catch {
            throw CryptoError(.invalidBase64, "a note signature of \(name) is not base64")
        }
        guard NoteVerifierKey.isValidName(name), blob.count > 4 else {
            throw CryptoError(.invalidKey, "a note signature line names no valid key or carries no signature")
        }
        return Signature(name: name, keyID: blob[0..<4].reduce(0) { $0 << 8 | UInt32($1) }, bytes: Array(blob[4...]))
    }

    /// The note as it is written and published.
    public var serialized: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// Only the signature lines, as a witness answers.
    public var signatureLines: String { signatures.map(\.line).joined() }

    /// Adds a signature, replacing an older one of the same key.
    public mutating func add(_ signature: Signature) {
        signatures.removeAll { $0.name == signature.name && $0.keyID == signature.keyID }
        signatures.append(signature)
    }

    /// The signatures of `key` on this note, verified; nil when the note carries none of it.
    /// Throws when one of them does not verify: a note with a bad signature of a known key is
    /// rejected whole, as Go's `note.Open` rejects it.
    public func verify(_ key: NoteVerifierKey) throws -> Signature? {
        let mine = signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
        for signature in mine where !Self.isValid(signature, of: key, over: text) {
            throw CryptoError(.invalidKey, "the signature of \(key.name) does not verify: the note was altered or signed by another key")
        }
        return mine.first
    }

    static func isValid(_ signature: Signature, of key: NoteVerifierKey, over text: String) -> Bool {
        switch key.kind {
        case .ed25519:
            return key.publicKey.isValidSignature(signature.bytes, for: Array(text.utf8))
        case .cosignature:
            guard signature.bytes.count == 8 + PublicKey.signatureByteCount else { return false }
            let time = signature.bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return key.publicKey.isValidSignature(
                Array(signature.bytes[8...]), for: Cosignature.message(time: time, checkpoint: text))
        }
    }
}

/// Signs notes with an Ed25519 key under a name, as a log signs its checkpoints.
public struct NoteSigner: Sendable {
    public let key: SigningKey
    public let verifierKey: NoteVerifierKey

    public init(name: String, key: SigningKey, kind: NoteVerifierKey.Kind = .ed25519) throws {
        self.key = key
        self.verifierKey = try NoteVerifierKey(name: name, kind: kind, publicKey: key.publicKey)
    }

    /// The signature of `text` (a log's signature, or with a cosignature key, a cosignature
    /// made at `time` in seconds since the epoch).
    public func signature(of text: String, time: UInt64 = 0) -> SignedNote.Signature {
        switch verifierKey.kind {
        case .ed25519:
            return .init(name: verifierKey.name, keyID: verifierKey.keyID, bytes: key.signature(for: Array(text.utf8)))
        case .cosignature:
            let stamp = (0..<8).map { UInt8(truncatingIfNeeded: time >> (56 - 8 * $0)) }
            let bytes = stamp + key.signature(for: Cosignature.message(time: time, checkpoint: text))
            return .init(name: verifierKey.name, keyID: verifierKey.keyID, bytes: bytes)
        }
    }
}

/// C2SP `tlog-cosignature` v1: what a witness signs about a checkpoint.
public enum Cosignature {
    /// "cosignature/v1\ntime T\n" followed by the checkpoint's whole text.
    public static func message(time: UInt64, checkpoint text: String) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n\(text)".utf8)
    }

    /// The time a cosignature says it was made.
    public static func time(of signature: SignedNote.Signature) -> UInt64? {
        guard signature.bytes.count == 8 + PublicKey.signatureByteCount else { return nil }
        return signature.bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
