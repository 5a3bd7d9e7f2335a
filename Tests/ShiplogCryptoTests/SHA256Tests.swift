import ShiplogCrypto
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func knownVectors(message: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(Array(message.utf8))) == digest)
    }

    @Test func streamingInPiecesEqualsOneShot() {
        let message = SecureRandom.bytes(count: 1000)
        for pieceSize in [1, 7, 63, 64, 65, 1000] {
            var hasher = SHA256.Hasher()
            for start in stride(from: 0, to: message.count, by: pieceSize) {
                hasher.update(Array(message[start..<min(start + pieceSize, message.count)]))
            }
            #expect(hasher.finalize() == SHA256.hash(message), "piece size \(pieceSize)")
        }
    }

    @Test func bufferUpdatesEqualArrayUpdates() {
        let previousHash = SHA256.hash([1, 2, 3])
        let event: [UInt8] = Array("{\"type\":\"DeployRequested\"}".utf8)
        var hasher = SHA256.Hasher()
        previousHash.withUnsafeBytes { hasher.update($0) }
        event.withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == SHA256.hash(previousHash + event))
    }

    @Test func finalizeResetsTheHasherForTheNextMessage() {
        var hasher = SHA256.Hasher()
        hasher.update(Array("first event".utf8))
        _ = hasher.finalize()
        hasher.update(Array("abc".utf8))
        #expect(Hex.encode(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hasher.finalize() == SHA256.hash([]))
    }
}
