/// The JSON document stored in a key file.
///
/// ```json
/// {"format":"shiplog-ed25519-key-v1","keyId":"…","publicKey":"<base64>","seed":"<base64>"}
/// ```
/// A passphrase-protected file has `encrypted` (an `EncryptedSeed`) instead of `seed`.
/// `keyId` and `publicKey` are stored in the clear so a file can be identified without its
/// passphrase, and are checked against the seed on every read.
struct KeyFileDocument: Codable, Sendable {
    static let currentFormat = "shiplog-ed25519-key-v1"

    var format: String
    var keyId: String
    var publicKey: String
    var seed: String?
    var encrypted: EncryptedSeed?
}
