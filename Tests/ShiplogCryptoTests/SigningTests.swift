import Foundation
import ShiplogCrypto
import Testing

@Suite struct SigningTests {
    let statement = Array("deploy d-42 web 1.4.2 to prod, artifact sha256:0f3a…, expires 14:05".utf8)

    @Test func signatureOfAGeneratedKeyVerifies() {
        let key = SigningKey.generate()
        let signature = key.signature(for: statement)
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: statement))
    }

    @Test func oneFlippedBitInTheSignatureOrTheMessageFails() {
        let key = SigningKey.generate()
        let signature = key.signature(for: statement)
        for index in [0, 31, 32, 63] {
            var tampered = signature
            tampered[index] ^= 0x01
            #expect(!key.publicKey.isValidSignature(tampered, for: statement), "signature byte \(index)")
        }
        for index in [0, statement.count / 2, statement.count - 1] {
            var tampered = statement
            tampered[index] ^= 0x01
            #expect(!key.publicKey.isValidSignature(signature, for: tampered), "message byte \(index)")
        }
    }

    @Test func signatureFromAnotherKeyFails() {
        let alice = SigningKey.generate()
        let mallory = SigningKey.generate()
        #expect(!alice.publicKey.isValidSignature(mallory.signature(for: statement), for: statement))
    }

    @Test func signatureOfTheWrongLengthFails() {
        let key = SigningKey.generate()
        let signature = key.signature(for: statement)
        #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), for: statement))
        #expect(!key.publicKey.isValidSignature(signature + [0], for: statement))
        #expect(!key.publicKey.isValidSignature([], for: statement))
    }

    @Test func rfc8032TestVector1() throws {
        let key = try SigningKey(seed: bytes(RFC8032.seed))
        #expect(Hex.encode(key.publicKey.bytes) == RFC8032.publicKey)
        let signature = key.signature(for: [])
        #expect(Hex.encode(signature) == RFC8032.emptyMessageSignature)
        let publicKey = try PublicKey(bytes: bytes(RFC8032.publicKey))
        #expect(publicKey.isValidSignature(signature, for: []))
    }

    @Test func aSeedAlwaysGivesTheSameKey() throws {
        let seed = SecureRandom.bytes(count: 32)
        let first = try SigningKey(seed: seed)
        let second = try SigningKey(seed: seed)
        #expect(first.publicKey == second.publicKey)
        #expect(first.signature(for: statement) == second.signature(for: statement))
    }

    @Test func seedOfTheWrongLengthIsRejected() {
        for count in [0, 31, 33, 64] {
            let error = #expect(throws: CryptoError.self) { try SigningKey(seed: [UInt8](repeating: 7, count: count)) }
            #expect(error?.code == .invalidKey)
        }
    }

    @Test func publicKeyOfTheWrongLengthIsRejected() throws {
        let publicKey = try bytes(RFC8032.publicKey)
        let error = #expect(throws: CryptoError.self) { try PublicKey(bytes: Array(publicKey.dropLast())) }
        #expect(error?.code == .invalidKey)
        #expect(error?.message == "invalid Ed25519 public key: expected 32 bytes, got 31")
    }

    /// A small-order point (here the identity) would accept forged signatures.
    @Test func smallOrderPublicKeyIsRejected() {
        let identity: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)
        let error = #expect(throws: CryptoError.self) { try PublicKey(bytes: identity) }
        #expect(error?.code == .invalidKey)
    }

    @Test func publicKeyRoundTripsThroughBase64AndJSON() throws {
        let publicKey = try PublicKey(bytes: bytes(RFC8032.publicKey))
        #expect(publicKey.base64 == "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        #expect(try PublicKey(base64: publicKey.base64) == publicKey)

        let json = try JSONEncoder().encode([publicKey])
        #expect(String(decoding: json, as: UTF8.self) == #"["11qYAYKxCrfVS\/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]"#)
        #expect(try JSONDecoder().decode([PublicKey].self, from: json) == [publicKey])

        let error = #expect(throws: CryptoError.self) { try PublicKey(base64: "not base64!") }
        #expect(error?.code == .invalidKey)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PublicKey].self, from: Data(#"["AAAA"]"#.utf8))
        }
    }

    @Test func printingASigningKeyShowsOnlyItsKeyID() throws {
        let seed = try bytes(RFC8032.seed)
        let key = try SigningKey(seed: seed)
        var dumped = ""
        dump(key, to: &dumped)
        let printed = [key.description, key.debugDescription, "\(key)", String(reflecting: key), dumped]
        for text in printed {
            #expect(text.contains(key.keyID.description), "\(text)")
            #expect(!text.contains(RFC8032.seed))
            #expect(!text.contains(Base64.encode(seed)))
            #expect(!text.contains("157, 97, 177"), "seed bytes as an array: \(text)")
        }
        #expect(key.description == "SigningKey(21fe31dfa154a261)")
    }
}
