/// An error from ShiplogCrypto.
///
/// The message says what happened and what to do about it. It never contains secret material
/// (seeds, passphrases, derived keys, MAC keys), so it is safe to log and show to users.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is, for callers that react differently to each.
    public enum Code: Sendable, Hashable {
        /// Key bytes of the wrong length, not valid base64, or not a valid Ed25519 point.
        case invalidKey
        /// A key id that is not 16 lowercase hex characters.
        case invalidKeyID
        /// A key file, or the file holding its passphrase, is readable or writable by group or others.
        case keyFilePermissions
        /// A key file does not exist.
        case keyFileMissing
        /// A key file already exists and overwriting was not asked for.
        case keyFileExists
        /// A key file is not a valid Shiplog key file, or its contents are inconsistent.
        case keyFileMalformed
        /// A passphrase is needed (encrypted key file) or the one given is empty.
        case passphraseRequired
        /// The passphrase does not open the encrypted key file.
        case wrongPassphrase
        /// Deriving a key from a passphrase failed (out of memory, or unusable parameters).
        case keyDerivationFailed
        /// A string is not valid hex.
        case invalidHex
        /// A string is not valid base64.
        case invalidBase64
        /// A file system operation failed.
        case io
    }

    /// What kind of failure this is.
    public let code: Code
    /// A message for the user, free of secret material.
    public let message: String
    /// The source file that raised the error, for debugging.
    public let file: String
    /// The source line that raised the error, for debugging.
    public let line: Int

    init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
}
