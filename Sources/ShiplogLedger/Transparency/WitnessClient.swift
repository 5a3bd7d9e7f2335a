import Foundation
import ShiplogCrypto
import ShiplogHTTP

/// A witness the ledger asks to cosign its checkpoints (C2SP `tlog-witness`):
/// `POST URL/add-checkpoint` with `old N`, the consistency proof from N, a blank line and the
/// signed checkpoint; it answers with its cosignature lines.
public struct WitnessClient: Sendable {
    public let url: String
    public let key: NoteVerifierKey
    let http: HTTPClient

    public init(url: String, key: NoteVerifierKey, http: HTTPClient) throws {
        guard key.kind == .cosignature else {
            throw CheckpointError("the witness key of \(url) is not a cosignature key (name+hash+base64 of type 0x04)")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.key = key
        self.http = http
    }

    /// The witness's cosignature of `note`. `proof(old)` gives the consistency proof from the
    /// size the witness last cosigned: the first try assumes `believedSize`; a 409 tells the
    /// witness's real size, and the request is made again from there.
    public func cosign(
        _ note: SignedNote, believedSize: Int64, proof: (Int64) async throws -> [[UInt8]]
    ) async throws -> SignedNote.Signature {
        var old = believedSize
        for _ in 0..<2 {
            let lines = try await proof(old).map { Base64.encode($0) + "\n" }.joined()
            let body = "old \(old)\n" + lines + "\n" + note.serialized
            let response = try await http.send(
                HTTPRequest(
                    method: .post, url: url + "/add-checkpoint", headers: [("Content-Type", "text/plain; charset=utf-8")],
                    body: Array(body.utf8), timeout: .seconds(10)),
                retry: .never)
            let text = String(decoding: response.body, as: UTF8.self)
            switch response.status {
            case 200:
                var cosigned = note
                for signature in try SignedNote.signatures(in: text) { cosigned.add(signature) }
                guard let mine = try cosigned.verify(key) else {
                    throw CheckpointError("witness \(key.name) at \(url) answered without its cosignature")
                }
                return mine
            case 409 where (response.header("Content-Type") ?? "").hasPrefix("text/x.tlog.size"):
                guard let size = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), size != old else {
                    throw CheckpointError("witness \(key.name) refused old size \(old) and named no other: \(text.prefix(200))")
                }
                old = size
            default:
                throw CheckpointError(
                    "witness \(key.name) at \(url) refused the checkpoint (HTTP \(response.status)): \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))",
                    isFork: response.status == 422)
            }
        }
        throw CheckpointError("witness \(key.name) at \(url) kept changing its size; try again")
    }
}
