import ShiplogCrypto
import Testing

@Suite struct HMACSHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: [UInt8]
        let message: [UInt8]
        let code: String

        var testDescription: String { name }
    }

    static let rfc4231: [Vector] = [
        Vector(
            name: "RFC 4231 case 1",
            key: [UInt8](repeating: 0x0b, count: 20),
            message: Array("Hi There".utf8),
            code: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        Vector(
            name: "RFC 4231 case 2 (key shorter than the output)",
            key: Array("Jefe".utf8),
            message: Array("what do ya want for nothing?".utf8),
            code: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        Vector(
            name: "RFC 4231 case 3",
            key: [UInt8](repeating: 0xaa, count: 20),
            message: [UInt8](repeating: 0xdd, count: 50),
            code: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        Vector(
            name: "RFC 4231 case 4 (25-byte key)",
            key: Array(1...25),
            message: [UInt8](repeating: 0xcd, count: 50),
            code: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        Vector(
            name: "RFC 4231 case 6 (131-byte key, longer than a block)",
            key: [UInt8](repeating: 0xaa, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            code: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        Vector(
            name: "RFC 4231 case 7 (131-byte key and long message)",
            key: [UInt8](repeating: 0xaa, count: 131),
            message: Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8
            ),
            code: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
        Vector(
            name: "empty key and message",
            key: [],
            message: [],
            code: "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        ),
    ]

    @Test(arguments: rfc4231)
    func knownVectors(_ vector: Vector) {
        #expect(Hex.encode(HMACSHA256.authenticationCode(for: vector.message, key: vector.key)) == vector.code)
    }

    /// The example from Slack's "Verifying requests from Slack" guide.
    @Test func slackDocumentedExample() {
        let signingSecret = Array("8f742231b10e8888abcd99yyyzzz85a5".utf8)
        let body =
            "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
        let baseString = Array("v0:1531420618:\(body)".utf8)
        let signature = "v0=" + Hex.encode(HMACSHA256.authenticationCode(for: baseString, key: signingSecret))
        #expect(signature == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
    }

    @Test func validationRejectsAnAlteredCodeOrMessage() {
        let key = Array("signing secret".utf8)
        let message = Array("v0:1531420618:payload".utf8)
        let code = HMACSHA256.authenticationCode(for: message, key: key)
        #expect(HMACSHA256.isValidAuthenticationCode(code, for: message, key: key))

        var altered = code
        altered[31] ^= 0x01
        #expect(!HMACSHA256.isValidAuthenticationCode(altered, for: message, key: key))
        #expect(!HMACSHA256.isValidAuthenticationCode(Array(code.prefix(16)), for: message, key: key))
        #expect(!HMACSHA256.isValidAuthenticationCode(code, for: message + [0], key: key))
    }
}
