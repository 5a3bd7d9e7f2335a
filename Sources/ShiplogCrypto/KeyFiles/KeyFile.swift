import CSodium

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Signing keys on disk: small JSON documents readable only by their owner, optionally
/// encrypted under a passphrase.
///
/// Errors name the file and say how to fix it ("run: chmod 600 …"); they never contain the seed
/// or the passphrase.
public enum KeyFile: Sendable {
    /// The `format` field of the key files this version reads and writes.
    public static let format = KeyFileDocument.currentFormat

    /// Key files are a few hundred bytes; anything much larger is not one.
    static let maximumSize = 64 * 1024

    /// Writes `key` to `path`, readable and writable by the owner only (mode 0600).
    ///
    /// The file appears atomically, complete or not at all: the key goes to a temporary file
    /// created with mode 0600 in the same directory, is flushed to disk, then moved into place.
    ///
    /// - Parameters:
    ///   - passphrase: if given, the seed is stored encrypted under it (Argon2id + secretbox).
    ///   - overwrite: replace an existing file at `path`; otherwise an existing file is an error.
    /// - Throws: `CryptoError` with code `.keyFileExists`, `.passphraseRequired` (empty
    ///   passphrase), `.keyDerivationFailed` or `.io`.
    public static func write(
        _ key: SigningKey,
        to path: String,
        passphrase: [UInt8]? = nil,
        overwrite: Bool = false
    ) throws {
        if let passphrase, passphrase.isEmpty {
            throw CryptoError(
                .passphraseRequired,
                "the passphrase for key file \(path) is empty; put a non-empty passphrase in the --passphrase-file"
            )
        }
        if !overwrite, exists(path) {
            throw alreadyExists(path)
        }
        let contents = try encode(key, passphrase: passphrase, path: path)

        let directory = directoryName(of: path)
        let temporaryPath = "\(directory)/.\(fileName(of: path)).\(Hex.encode(SecureRandom.bytes(count: 6))).tmp"
        do {
            let file = try FileDescriptor(path: temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            var placed = false
            defer { if !placed { unlink(temporaryPath) } }
            try file.setMode(0o600)
            try file.writeAll(contents)
            try file.synchronize()
            placed = try place(temporaryPath, at: path, overwrite: overwrite)
        } catch let error as FileDescriptor.SystemError {
            throw CryptoError(.io, "cannot write key file \(path): \(error.reason)")
        }
        synchronizeDirectory(directory)
    }

    /// Reads the signing key stored at `path`.
    ///
    /// Refuses a file that group or others may access, as ssh does, since a leaked seed is a
    /// leaked identity. The stored seed must reproduce the stored public key.
    ///
    /// - Parameter passphrase: needed for an encrypted file; ignored for a plain one.
    /// - Throws: `CryptoError` with code `.keyFileMissing`, `.keyFilePermissions`,
    ///   `.keyFileMalformed`, `.passphraseRequired`, `.wrongPassphrase`,
    ///   `.keyDerivationFailed` or `.io`.
    public static func read(from path: String, passphrase: [UInt8]? = nil) throws -> SigningKey {
        try read(contents: readOwnerOnlyFile(path), named: path, passphrase: passphrase)
    }

    /// A key file's text given directly (a secret a container platform injects as an
    /// environment variable, which has no file to check the mode of); `name` says where it
    /// came from in errors.
    public static func read(contents: [UInt8], named name: String, passphrase: [UInt8]? = nil) throws -> SigningKey {
        guard contents.count <= maximumSize else {
            throw CryptoError(.keyFileMalformed, "\(name) is \(contents.count) bytes: not a key file")
        }
        let path = name
        let document = try decode(contents, path: path)
        guard document.format == format else {
            throw CryptoError(
                .keyFileMalformed,
                "key file \(path) has format \"\(document.format.prefix(64))\"; this version of shiplog reads \"\(format)\""
            )
        }
        guard let publicKey = try? PublicKey(base64: document.publicKey) else {
            throw corrupted(path, "its publicKey is not a valid Ed25519 public key")
        }
        guard document.keyId == publicKey.keyID.description else {
            throw corrupted(path, "its keyId does not match its publicKey (key id \(publicKey.keyID))")
        }

        let key: SigningKey
        switch (document.seed, document.encrypted) {
        case (let seed?, nil):
            key = try plainKey(seed: seed, path: path)
        case (nil, let encrypted?):
            key = try encryptedKey(encrypted, passphrase: passphrase, path: path)
        default:
            throw CryptoError(
                .keyFileMalformed,
                "key file \(path) is malformed: it must contain exactly one of \"seed\" and \"encrypted\""
            )
        }
        guard key.publicKey == publicKey else {
            throw corrupted(path, "its seed does not produce its public key (key id \(publicKey.keyID))")
        }
        return key
    }

    /// Reads a passphrase from a file, dropping one trailing newline (`\n` or `\r\n`).
    ///
    /// Refuses a file that group or others may access, as for key files: the passphrase is what
    /// keeps an encrypted key file that leaks from being a leaked identity. (Secret mounts can
    /// be given mode 0400 or 0600.) A pipe, such as `<(pass show shiplog)`, stores nothing and
    /// is read as it is.
    /// - Throws: `CryptoError` with code `.keyFilePermissions`, `.io` or `.passphraseRequired`
    ///   (empty file).
    public static func readPassphrase(fromFile path: String) throws -> [UInt8] {
        var passphrase: [UInt8]
        do {
            let file = try FileDescriptor(path: path, flags: O_RDONLY)
            let status = try file.status()
            if status.st_mode & S_IFMT == S_IFREG {
                try requireOwnerOnly(status, of: "passphrase file", at: path)
            }
            guard let contents = try file.readAll(limit: maximumSize) else {
                throw CryptoError(.io, "passphrase file \(path) is larger than \(maximumSize) bytes")
            }
            passphrase = contents
        } catch let error as FileDescriptor.SystemError {
            if error.number == ENOENT {
                throw CryptoError(.io, "passphrase file \(path) does not exist")
            }
            throw CryptoError(.io, "cannot read passphrase file \(path): \(error.reason)")
        }
        if passphrase.last == UInt8(ascii: "\n") {
            passphrase.removeLast()
            if passphrase.last == UInt8(ascii: "\r") {
                passphrase.removeLast()
            }
        }
        guard !passphrase.isEmpty else {
            throw CryptoError(.passphraseRequired, "passphrase file \(path) is empty")
        }
        return passphrase
    }
}

// MARK: - Encoding

extension KeyFile {
    private static func encode(_ key: SigningKey, passphrase: [UInt8]?, path: String) throws -> [UInt8] {
        var document = KeyFileDocument(
            format: format,
            keyId: key.keyID.description,
            publicKey: key.publicKey.base64
        )
        if let passphrase {
            do {
                document.encrypted = try key.withSeed { try EncryptedSeed.seal($0, passphrase: passphrase) }
            } catch {
                throw CryptoError(
                    .keyDerivationFailed,
                    "cannot encrypt key file \(path): deriving a key from the passphrase failed (out of memory?)"
                )
            }
        } else {
            document.seed = key.withSeed { Base64.encode($0) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try Array(encoder.encode(document)) + [UInt8(ascii: "\n")]
    }

    private static func decode(_ contents: [UInt8], path: String) throws -> KeyFileDocument {
        do {
            return try JSONDecoder().decode(KeyFileDocument.self, from: Data(contents))
        } catch let error as DecodingError {
            throw CryptoError(.keyFileMalformed, "key file \(path) is not a shiplog key file: \(explain(error))")
        }
    }

    /// Describes a decoding error by field name only: the standard descriptions may quote values,
    /// and values in a key file are secret.
    private static func explain(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "the field \"\(field(context.codingPath + [key]))\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "the field \"\(field(context.codingPath))\" has the wrong type"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "it is not valid JSON"
        case .dataCorrupted(let context):
            return "the field \"\(field(context.codingPath))\" is invalid"
        @unknown default:
            return "it is not valid JSON"
        }
    }

    private static func plainKey(seed: String, path: String) throws -> SigningKey {
        guard var bytes = try? Base64.decode(seed) else {
            throw corrupted(path, "its seed is not valid base64")
        }
        defer { bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
        guard let key = try? SigningKey(seed: bytes) else {
            throw corrupted(path, "its seed is not \(SigningKey.seedByteCount) bytes")
        }
        return key
    }

    private static func encryptedKey(
        _ encrypted: EncryptedSeed,
        passphrase: [UInt8]?,
        path: String
    ) throws -> SigningKey {
        guard let passphrase else {
            throw CryptoError(
                .passphraseRequired,
                "key file \(path) is encrypted; a passphrase is needed to read it (pass --passphrase-file)"
            )
        }
        guard !passphrase.isEmpty else {
            throw CryptoError(
                .passphraseRequired,
                "the passphrase given for key file \(path) is empty; key file passphrases are never empty"
            )
        }
        let seed: SecureBytes
        do {
            seed = try encrypted.open(passphrase: passphrase)
        } catch .wrongPassphrase {
            throw CryptoError(.wrongPassphrase, "wrong passphrase for key file \(path)")
        } catch .keyDerivationFailed {
            throw CryptoError(
                .keyDerivationFailed,
                "cannot decrypt key file \(path): deriving a key from the passphrase failed (out of memory?)"
            )
        } catch .malformed(let reason) {
            throw corrupted(path, reason)
        }
        return try seed.withUnsafeBytes { try SigningKey(seedBytes: $0) }
    }

    private static func corrupted(_ path: String, _ reason: String) -> CryptoError {
        CryptoError(.keyFileMalformed, "key file \(path) is corrupted: \(reason)")
    }
}

// MARK: - Files

extension KeyFile {
    /// Opens `path`, checks it is a regular file that only its owner can access, and reads it.
    /// Checks the open file rather than the path, so it cannot be swapped in between.
    private static func readOwnerOnlyFile(_ path: String) throws -> [UInt8] {
        do {
            let file = try FileDescriptor(path: path, flags: O_RDONLY)
            let status = try file.status()
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw CryptoError(.keyFileMalformed, "key file \(path) is not a regular file")
            }
            try requireOwnerOnly(status, of: "key file", at: path)
            guard let contents = try file.readAll(limit: maximumSize) else {
                throw CryptoError(
                    .keyFileMalformed,
                    "key file \(path) is larger than \(maximumSize) bytes; it is not a shiplog key file"
                )
            }
            return contents
        } catch let error as FileDescriptor.SystemError {
            if error.number == ENOENT {
                throw CryptoError(
                    .keyFileMissing,
                    "key file \(path) does not exist; create one with: shiplog keys generate --out \(shellQuoted(path))"
                )
            }
            throw CryptoError(.io, "cannot read key file \(path): \(error.reason)")
        }
    }

    /// Throws unless only the file's owner may read or write it, with the `chmod` that fixes it.
    private static func requireOwnerOnly(_ status: stat, of kind: String, at path: String) throws {
        let mode = status.st_mode & 0o7777
        if mode & 0o077 != 0 {
            let access = mode & 0o044 != 0 ? "readable" : "accessible"
            throw CryptoError(
                .keyFilePermissions,
                "\(kind) \(path) is \(access) by others (mode \(octal(mode))); run: chmod 600 \(shellQuoted(path))"
            )
        }
    }

    /// Moves the finished temporary file to `path`. Returns true once the temporary name is gone.
    private static func place(_ temporaryPath: String, at path: String, overwrite: Bool) throws -> Bool {
        if overwrite {
            guard rename(temporaryPath, path) == 0 else { throw FileDescriptor.SystemError(number: errno) }
            return true
        }
        // link() fails if the target exists, closing the race with another writer that rename()
        // (which silently replaces) would leave open.
        if link(temporaryPath, path) == 0 {
            unlink(temporaryPath)
            return true
        }
        switch errno {
        case EEXIST:
            throw alreadyExists(path)
        case EPERM, ENOTSUP, EOPNOTSUPP:
            // A file system without hard links: fall back to check-then-rename.
            if exists(path) { throw alreadyExists(path) }
            guard rename(temporaryPath, path) == 0 else { throw FileDescriptor.SystemError(number: errno) }
            return true
        default:
            throw FileDescriptor.SystemError(number: errno)
        }
    }

    /// Makes the new directory entry durable; best effort, as some file systems refuse.
    private static func synchronizeDirectory(_ directory: String) {
        if let handle = try? FileDescriptor(path: directory, flags: O_RDONLY) {
            try? handle.synchronize()
        }
    }

    private static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    private static func alreadyExists(_ path: String) -> CryptoError {
        CryptoError(
            .keyFileExists,
            "key file \(path) already exists; not overwriting it (move it away or choose another path)"
        )
    }

    private static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Quotes `path` for a POSIX shell when needed, so the suggested command can be pasted as is.
    private static func shellQuoted(_ path: String) -> String {
        let safe = path.utf8.allSatisfy { character in
            switch character {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: ":"),
                UInt8(ascii: "@"), UInt8(ascii: ","), UInt8(ascii: "%"), UInt8(ascii: "="):
                true
            default:
                false
            }
        }
        if safe && !path.isEmpty { return path }
        return "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }
}
