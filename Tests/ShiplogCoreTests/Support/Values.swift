import Foundation
import ShiplogCore

// Short, crash-on-typo constructors for test values.
func env(_ text: String) -> Environment { try! Environment(text) }
func service(_ text: String) -> ServiceName { try! ServiceName(text) }
func version(_ text: String) -> ServiceVersion { try! ServiceVersion(text) }
func deployID(_ text: String) -> DeployID { try! DeployID(text) }
func name(_ text: String) -> ActorName { try! ActorName(text) }
func digest(_ hexCharacter: Character) -> ArtifactDigest {
    try! ArtifactDigest("sha256:" + String(repeating: hexCharacter, count: 64))
}
func time(_ text: String) -> Date { LedgerTime.parse(text)! }

/// Sunday 2026-11-22 13:00:00 UTC.
let storyStart = time("2026-11-22T13:00:00Z")

/// What a closure threw, as a LedgerError.
func ledgerError(_ body: () throws -> Void) -> LedgerError? {
    do {
        try body()
        return nil
    } catch let error as LedgerError {
        return error
    } catch {
        return LedgerError(.invalidValue, "not a LedgerError: \(error)")
    }
}
