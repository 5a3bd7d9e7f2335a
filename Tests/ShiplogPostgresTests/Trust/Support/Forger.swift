import Foundation
import ShiplogCore
import ShiplogCrypto

@testable import ShiplogPostgres

/// What an attacker holding the database role (and perhaps someone's key) can write: any rows
/// through `shiplog_append`, with command signatures computed by hand exactly as the README
/// documents them, not with Shiplog's own signing code.
struct Forger {
    let store: EventStore

    /// The README's signed bytes: `shiplog-command-v1\ncommand=<uuid>\nsigner=<key id>\n`, then per
    /// event `event=<stream> <type> <payload byte count>\n<payload>\n`.
    static func signedBytes(command: UUID, signer: String, _ events: [(stream: String, type: String, payload: String)])
        -> [UInt8]
    {
        var text = "shiplog-command-v1\ncommand=\(command.uuidString.lowercased())\nsigner=\(signer)\n"
        for event in events {
            text += "event=\(event.stream) \(event.type) \(Array(event.payload.utf8).count)\n\(event.payload)\n"
        }
        return Array(text.utf8)
    }

    /// Appends `events` as one command "signed" by `key`; `signature` overrides the real one
    /// (a junk signature). Returns the position of the command's first event.
    @discardableResult
    func append(
        _ events: [(stream: LedgerStream, event: LedgerEvent)], signedWith key: SigningKey, signature: [UInt8]? = nil,
        actor: String = "mallory"
    ) async throws -> Int64 {
        try await appendRaw(
            events.map { ($0.stream.name, $0.event.type, try $0.event.payloadJSON()) }, signedWith: key,
            signature: signature, actor: actor)
    }

    /// The same with raw types and payloads (unknown types, junk JSON).
    @discardableResult
    func appendRaw(
        _ events: [(stream: String, type: String, payload: String)], signedWith key: SigningKey,
        signature: [UInt8]? = nil, actor: String = "mallory"
    ) async throws -> Int64 {
        let command = UUID()
        let signer = key.keyID.description
        let signature = signature ?? key.signature(for: Self.signedBytes(command: command, signer: signer, events))
        var requests: [AppendRequest] = []
        for (index, event) in events.enumerated() {
            var metadata = #"{"command":"\#(command.uuidString.lowercased())","signer":"\#(signer)""#
            if index == events.count - 1 { metadata += #","signature":"\#(Data(signature).base64EncodedString())""# }
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
