import ShiplogCrypto
import Testing

@Suite struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff, 0x42]) == "000fa0ff42")
    }

    @Test func roundTrips() throws {
        for count in [0, 1, 31, 32, 33, 1000] {
            let bytes = SecureRandom.bytes(count: count)
            #expect(try Hex.decode(Hex.encode(bytes)) == bytes)
        }
    }

    @Test func decodesUppercase() throws {
        #expect(try Hex.decode("000FA0Ff42") == [0x00, 0x0f, 0xa0, 0xff, 0x42])
    }

    @Test(arguments: [
        ("abc", "invalid hex: odd number of characters (3)"),
        ("0g", "invalid hex: character 2 is not a hex digit"),
        ("g0", "invalid hex: character 1 is not a hex digit"),
        ("00 1", "invalid hex: character 3 is not a hex digit"),
        ("0x00", "invalid hex: character 2 is not a hex digit"),
        ("ééé", "invalid hex: character 1 is not a hex digit"),
    ])
    func rejectsInvalidInput(input: String, message: String) {
        let error = #expect(throws: CryptoError.self) { try Hex.decode(input) }
        #expect(error?.code == .invalidHex)
        #expect(error?.message == message)
    }
}

@Suite struct Base64Tests {
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(text: String, base64: String) throws {
        #expect(Base64.encode(Array(text.utf8)) == base64)
        #expect(try Base64.decode(base64) == Array(text.utf8))
    }

    @Test func roundTrips() throws {
        for count in [1, 2, 3, 32, 64, 1000] {
            let bytes = SecureRandom.bytes(count: count)
            #expect(try Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }

    @Test(arguments: ["Zg", "Zg=", "Zh==", "Zm9v\n", " Zm9v", "Zm9-", "Zm9_", "Zm9v!"])
    func rejectsInvalidOrNonCanonicalInput(_ input: String) {
        let error = #expect(throws: CryptoError.self) { try Base64.decode(input) }
        #expect(error?.code == .invalidBase64)
    }
}
