import Foundation
import ShiplogCore
import ShiplogCrypto

@testable import ShiplogPostgres

/// What an attacker holding the database role (and perhaps someone's key) can write: any rows
/// through `shiplog_append`, with the command's metadata and signature computed by hand exactly
/// as the README documents them, not with Shiplog's own signing code.
struct Forger {
    let store: EventStore

    /// The README's signed bytes: `shiplog-intent-v1\n` followed by the intent's JSON text.
    static func signedBytes(intentJSON: String) -> [UInt8] { Array("shiplog-intent-v1\n\(intentJSON)".utf8) }

    /// Appends `events` as one command whose signed intent is `command`, by `key` on behalf of
    /// `principal`, dated `at`; `signature` overrides the real one (a junk signature). Returns
    /// the position of the command's first event.
    @discardableResult
    func append(
        _ events: [(stream: LedgerStream, event: LedgerEvent)], as command: LedgerCommand, signedWith key: SigningKey,
        for principal: Principal = .signer, at: Date = Date(), signature: [UInt8]? = nil, actor: String = "mallory"
    ) async throws -> Int64 {
        try await appendRaw(
            events.map { ($0.stream.name, $0.event.type, try $0.event.payloadJSON()) }, as: command, signedWith: key,
            for: principal, at: at, signature: signature, actor: actor)
    }

    /// The same with raw types and payloads (unknown types, junk JSON).
    @discardableResult
    func appendRaw(
        _ events: [(stream: String, type: String, payload: String)],
        as command: LedgerCommand = .resolveAlarm(alarm: try! AlarmName("nothing"), reason: nil), signedWith key: SigningKey,
        for principal: Principal = .signer, at: Date = Date(), signature: [UInt8]? = nil, actor: String = "mallory"
    ) async throws -> Int64 {
        let id = UUID()
        let signer = key.keyID.description
        let intent = try CommandIntent(id: id, signer: SignerKeyID(signer), principal: principal, at: at, command: command).json()
        let signature = signature ?? key.signature(for: Self.signedBytes(intentJSON: intent))
        var requests: [AppendRequest] = []
        for (index, event) in events.enumerated() {
            var metadata = #"{"command":"\#(id.uuidString.lowercased())","signer":"\#(signer)""#
            if index == events.count - 1 {
                let quoted = String(decoding: try JSONEncoder().encode(intent), as: UTF8.self)
                metadata += #","signature":"\#(Data(signature).base64EncodedString())","intent":\#(quoted)"#
            }
            metadata += "}"
            requests.append(
                AppendRequest(
                    stream: event.stream,
                    events: [try NewEvent(type: event.type, payload: event.payload, metadata: metadata, actor: actor)]))
        }
        return try await store.appendAtomically(requests)[0].firstPosition
    }

    /// An event with no envelope at all, as `events append` would have written it.
    @discardableResult
    func appendUnsigned(stream: String, type: String, payload: String = "{}") async throws -> Int64 {
        try await store.append([try NewEvent(type: type, payload: payload, actor: "mallory")], to: stream).firstPosition
    }
}
