import Foundation
import ShiplogCore

extension TestKey {
    /// The same key material under another enrolled name.
    func renamed(_ newName: String) -> TestKey {
        TestKey(name: try! ActorName(newName), publicKey: publicKey, keyID: keyID)
    }
}
