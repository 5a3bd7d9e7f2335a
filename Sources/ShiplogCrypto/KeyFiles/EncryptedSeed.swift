import CSodium

/// The `encrypted` object of a passphrase-protected key file: the seed sealed with
/// `crypto_secretbox_easy` (XSalsa20-Poly1305) under a key derived from the passphrase with
/// Argon2id (`crypto_pwhash`). Every field needed to open it again is stored alongside.
struct EncryptedSeed: Codable, Sendable {
    static let argon2id13 = "argon2id13"

    var kdf: String
    var opslimit: UInt64
    var memlimit: UInt64
    var salt: String
    var nonce: String
    var ciphertext: String

    /// Why opening failed; `KeyFile` turns it into a message that names the file.
    enum Failure: Error {
        case malformed(String)
        case keyDerivationFailed
        case wrongPassphrase
    }

    /// Seals a seed under a non-empty passphrase with fresh salt and nonce.
    ///
    /// Uses the "interactive" Argon2id cost (64 MiB, 2 passes): the key file is already protected
    /// by its permissions, and `shiplog approve` should not keep a person waiting.
    static func seal(_ seed: UnsafeRawBufferPointer, passphrase: [UInt8]) throws(Failure) -> EncryptedSeed {
        let opslimit = UInt64(crypto_pwhash_opslimit_interactive())
        let memlimit = crypto_pwhash_memlimit_interactive()
        let salt = SecureRandom.bytes(count: crypto_pwhash_saltbytes())
        let nonce = SecureRandom.bytes(count: crypto_secretbox_noncebytes())
        let key = try deriveKey(passphrase: passphrase, salt: salt, opslimit: opslimit, memlimit: memlimit)
        var ciphertext = [UInt8](repeating: 0, count: seed.count + crypto_secretbox_macbytes())
        key.withUnsafeBytes { key in
            _ = crypto_secretbox_easy(
                &ciphertext,
                seed.baseAddress!.assumingMemoryBound(to: UInt8.self),
                UInt64(seed.count),
                nonce,
                key.baseAddress!.assumingMemoryBound(to: UInt8.self)
            )
        }
        return EncryptedSeed(
            kdf: argon2id13,
            opslimit: opslimit,
            memlimit: UInt64(memlimit),
            salt: Base64.encode(salt),
            nonce: Base64.encode(nonce),
            ciphertext: Base64.encode(ciphertext)
        )
    }

    /// Returns the seed, or fails if the passphrase is wrong or the fields are unusable.
    func open(passphrase: [UInt8]) throws(Failure) -> SecureBytes {
        guard kdf == Self.argon2id13 else {
            throw .malformed("unsupported kdf \"\(kdf)\" (expected \"\(Self.argon2id13)\")")
        }
        guard
            (UInt64(crypto_pwhash_opslimit_min())...UInt64(crypto_pwhash_opslimit_max())).contains(opslimit),
            let memlimit = Int(exactly: memlimit),
            (crypto_pwhash_memlimit_min()...crypto_pwhash_memlimit_max()).contains(memlimit)
        else {
            throw .malformed("opslimit or memlimit is out of range")
        }
        let salt = try Self.decode(salt, field: "salt", count: crypto_pwhash_saltbytes())
        let nonce = try Self.decode(nonce, field: "nonce", count: crypto_secretbox_noncebytes())
        let ciphertext = try Self.decode(
            ciphertext,
            field: "ciphertext",
            count: SigningKey.seedByteCount + crypto_secretbox_macbytes()
        )
        let key = try Self.deriveKey(passphrase: passphrase, salt: salt, opslimit: opslimit, memlimit: memlimit)
        return try SecureBytes(count: SigningKey.seedByteCount) { (seed) throws(Failure) in
            let status = key.withUnsafeBytes { key in
                crypto_secretbox_open_easy(
                    seed.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    ciphertext,
                    UInt64(ciphertext.count),
                    nonce,
                    key.baseAddress!.assumingMemoryBound(to: UInt8.self)
                )
            }
            // The MAC cannot tell a wrong passphrase from a damaged ciphertext; the former is
            // far more likely.
            guard status == 0 else { throw .wrongPassphrase }
        }
    }

    private static func deriveKey(
        passphrase: [UInt8],
        salt: [UInt8],
        opslimit: UInt64,
        memlimit: Int
    ) throws(Failure) -> SecureBytes {
        precondition(!passphrase.isEmpty, "callers reject empty passphrases")
        return try SecureBytes(count: crypto_secretbox_keybytes()) { (key) throws(Failure) in
            let status = passphrase.withUnsafeBufferPointer { passphrase in
                passphrase.withMemoryRebound(to: CChar.self) { passphrase in
                    crypto_pwhash(
                        key.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        UInt64(key.count),
                        passphrase.baseAddress!,
                        UInt64(passphrase.count),
                        salt,
                        opslimit,
                        memlimit,
                        crypto_pwhash_alg_argon2id13()
                    )
                }
            }
            guard status == 0 else { throw .keyDerivationFailed }
        }
    }

    private static func decode(_ base64: String, field: String, count: Int) throws(Failure) -> [UInt8] {
        guard let bytes = try? Base64.decode(base64), bytes.count == count else {
            throw .malformed("encrypted.\(field) is not \(count) bytes of base64")
        }
        return bytes
    }
}
