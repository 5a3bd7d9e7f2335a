import Foundation
import ShiplogCrypto
import Testing

@Suite struct KeyIDTests {
    @Test func isTheFirstEightBytesOfTheSHA256OfThePublicKeyInHex() throws {
        let publicKey = try PublicKey(bytes: bytes(RFC8032.publicKey))
        #expect(publicKey.keyID.description == "21fe31dfa154a261")
        #expect(publicKey.keyID.description == Hex.encode(Array(SHA256.hash(publicKey.bytes).prefix(8))))
        #expect(KeyID(of: publicKey) == publicKey.keyID)
    }

    @Test func isSixteenLowercaseHexCharactersForAnyKey() {
        for _ in 0..<20 {
            let keyID = SigningKey.generate().keyID.description
            #expect(keyID.count == 16)
            #expect(keyID.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }

    @Test func isStableAcrossLoadsOfTheSameKey() throws {
        let seed = SecureRandom.bytes(count: 32)
        #expect(try SigningKey(seed: seed).keyID == SigningKey(seed: seed).keyID)
    }

    @Test func parsesWhatItPrints() throws {
        let keyID = SigningKey.generate().keyID
        #expect(try KeyID(keyID.description) == keyID)
        let json = try JSONEncoder().encode(keyID)
        #expect(String(decoding: json, as: UTF8.self) == "\"\(keyID)\"")
        #expect(try JSONDecoder().decode(KeyID.self, from: json) == keyID)
    }

    @Test(arguments: [
        "", "21fe31dfa154a26", "21fe31dfa154a2611", "21FE31DFA154A261", "21fe31dfa154a26g", "ed25519:21fe31df",
    ])
    func rejectsAnythingElse(_ string: String) {
        let error = #expect(throws: CryptoError.self) { try KeyID(string) }
        #expect(error?.code == .invalidKeyID)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(KeyID.self, from: Data("\"\(string)\"".utf8)) }
    }
}
