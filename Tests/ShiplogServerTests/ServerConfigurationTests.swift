import Foundation
import ShiplogCrypto
import ShiplogServer
import Testing

@Suite("shiplog serve's settings")
struct ServerConfigurationTests {
    @Test("the bot key may be given as the key file's text (SHIPLOG_BOT_KEY_CONTENT), as ECS injects a secret")
    func botKeyContent() throws {
        let key = SigningKey.generate()
        let path = FileManager.default.temporaryDirectory.appending(path: "bot-\(UUID().uuidString).key").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try KeyFile.write(key, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)

        let configuration = try ServerConfiguration.fromEnvironment(["SHIPLOG_BOT_KEY_CONTENT": text])
        #expect(configuration.botKey?.keyID == key.keyID)

        #expect {
            try ServerConfiguration.fromEnvironment(["SHIPLOG_BOT_KEY_CONTENT": "{\"format\": 1}"])
        } throws: { error in
            "\(error)".contains("SHIPLOG_BOT_KEY_CONTENT") && !"\(error)".contains(text)
        }
    }
}
