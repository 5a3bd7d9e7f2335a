import Foundation
import ShiplogLedger

/// Writes JSON the way every `--json` command prints it (`ReportJSON`: sorted keys, one
/// document, newline), the same shape the server's `/v1` API answers with.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        Swift.print(String(decoding: try ReportJSON.encode(value), as: UTF8.self))
    }

    /// For documents that embed stored JSON (event payloads) as values, not strings.
    static func print(object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        Swift.print(String(decoding: data, as: UTF8.self))
    }

    /// Parses stored JSON text back into a value for `print(object:)`.
    static func value(of text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
    }
}
