import Foundation
import Testing

@testable import ShiplogCore

/// The payloads of every event type as the log stores them, pinned in `Golden/<Type>.json`:
/// a renamed field, a changed date format or a dropped key fails here, loudly, instead of
/// silently changing what old ledgers mean. Each file holds the type's sample payloads, one per
/// line, exactly as hashed and signed.
///
/// To change a payload on purpose, write a migration story for old ledgers first, then
/// regenerate: `SHIPLOG_WRITE_GOLDEN=1 swift test --filter EventGoldenTests`.
@Suite struct EventGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Golden")

    static func samples(of type: String) throws -> [LedgerEvent] {
        try SampleEvents.all.filter { $0.type == type }
    }

    @Test(arguments: LedgerEvent.allTypes)
    func payloadsMatchTheirGoldenFile(type: String) throws {
        let samples = try Self.samples(of: type)
        #expect(!samples.isEmpty, "no sample of \(type)")
        let text = try samples.map { try $0.payloadJSON() + "\n" }.joined()
        let file = Self.directory.appending(path: "\(type).json")
        if ProcessInfo.processInfo.environment["SHIPLOG_WRITE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(text == golden, "the \(type) payload changed; see this suite's documentation")
        // And the stored text still decodes to the same events.
        let lines = golden.split(separator: "\n").map(String.init)
        #expect(try lines.map { try LedgerEvent.decode(type: type, payloadJSON: $0) } == samples)
    }

    @Test func everyGoldenFileIsAType() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(LedgerEvent.allTypes))
    }
}
