import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import Testing

@testable import ShiplogPostgres

/// The fast metadata reader `verify` uses agrees with the JSON parser on what shiplog writes,
/// including intents whose text needs escaping, and falls back to it for anything else.
@Suite struct MetadataReaderTests {
    @Test(arguments: [
        "plain", #"a "quoted" reason"#, "back\\slash and / slash", "ünïcödé, emoji 🚀", "tab\tnew\nline", "bell\u{7}", "",
    ])
    func fastPathAgreesWithTheParser(reason: String) throws {
        let key = SigningKey.generate()
        let intent = CommandIntent(
            signer: try SignerKeyID(key.keyID.description), at: Date(),
            command: .lock(environment: try Environment("prod"), service: nil, reason: reason))
        let signed = try SignedIntent(intent, signedWith: key)
        let envelope = CommandEnvelope(commandID: intent.id, signer: intent.signer)
        for metadata in [envelope.metadataJSON(signed: nil), envelope.metadataJSON(signed: signed)] {
            let fast = try #require(MetadataReader.envelope(metadata))
            let parsed = try #require(CommandEnvelope.parse(metadataJSON: metadata))
            #expect(fast.0 == parsed.envelope)
            #expect(fast.1?.json == parsed.signed?.json)
            #expect(fast.1?.signature == parsed.signed?.signature)
        }
        let read = try #require(MetadataReader.envelope(envelope.metadataJSON(signed: signed))?.1)
        #expect(read.json == signed.json)
        #expect(try CommandIntent.decode(json: read.json) == intent)
    }

    @Test func theUnescaperReadsWhatAnyJSONWriterWrites() throws {
        for literal in [#""\ud83d\ude80 \u00fc \"q\" \\ \/""#, #""plain""#, #""""#] {
            let expected = try JSONDecoder().decode(String.self, from: Data(literal.utf8))
            let read = Array(literal.utf8).withUnsafeBufferPointer { MetadataReader.unescape($0) }
            #expect(read == expected)
        }
        for broken in [#""\ud83d""#, #""\x""#, #""a"b""#, "plain"] {
            #expect(Array(broken.utf8).withUnsafeBufferPointer { MetadataReader.unescape($0) } == nil)
        }
    }

    @Test func otherShapesGoThroughTheParser() throws {
        let id = UUID().uuidString.lowercased()
        let spaced = #"{ "signer": "0123456789abcdef", "command": "\#(id)" }"#
        #expect(MetadataReader.envelope(spaced)?.0.commandID.uuidString.lowercased() == id)
        #expect(MetadataReader.envelope("{}") == nil)
        #expect(MetadataReader.envelope("not json") == nil)
    }
}
