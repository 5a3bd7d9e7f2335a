import Foundation
import Hummingbird
import HummingbirdTesting
import ShiplogCrypto
import ShiplogLedger
import ShiplogServer
import Testing

/// `shiplog witness serve` over HTTP (C2SP tlog-witness): it cosigns a log's checkpoints only
/// when they extend the last one it cosigned, and refuses forks, smaller trees, strangers.
@Suite("The witness")
struct WitnessTests {
    /// A log of `count` entries: its stored nodes and its root at every size.
    struct Log {
        var nodes: [MerkleTree.Node: [UInt8]] = [:]
        var roots: [Int64: [UInt8]] = [:]

        init(_ entries: [String]) {
            var frontier = MerkleFrontier()
            for entry in entries {
                frontier.append(leafHash: MerkleTree.leafHash(Array(entry.utf8))) { nodes[$0] = $1 }
                roots[frontier.size] = frontier.root
            }
        }

        func body(old: Int64, new: Int64, signer: NoteSigner, origin: String = "log.example/prod") throws -> String {
            let proof = try MerkleTree.consistencyProof(old: old, new: new, reading: nodes)
            let text = Checkpoint(origin: origin, size: new, rootHash: roots[new]!).text
            let note = SignedNote(text: text, signatures: [signer.signature(of: text)])
            return "old \(old)\n" + proof.map { Base64.encode($0) + "\n" }.joined() + "\n" + note.serialized
        }
    }

    let logSigner = try! NoteSigner(name: "log.example/prod", key: .generate())
    let witnessSigner = try! NoteSigner(name: "witness.example/w1", key: .generate(), kind: .cosignature)

    func post(_ client: some TestClientProtocol, _ body: String) async throws -> (Int, String, String?) {
        try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body)) { response in
            (Int(response.status.code), String(buffer: response.body), response.headers[.contentType])
        }
    }

    @Test("cosigns a log's growth, answers 409 with its size, and refuses forks, smaller trees, strangers and junk")
    func protocolAnswers() async throws {
        let state = FileManager.default.temporaryDirectory.appending(path: "witness-\(UUID().uuidString).json").path
        let witness = try Witness(signer: witnessSigner, logKeys: [logSigner.verifierKey], stateFile: state)
        let app = buildWitnessApplication(witness: witness, host: "127.0.0.1", port: 0)
        let log = Log((0..<20).map { "entry \($0)" })
        let forked = Log((0..<20).map { $0 == 3 ? "rewritten" : "entry \($0)" })
        try await app.test(.router) { client in
            // First sight: from 0, no proof. The cosignature verifies over the checkpoint.
            var (status, body, _) = try await post(client, try log.body(old: 0, new: 5, signer: logSigner))
            #expect(status == 200, "\(body)")
            let text = Checkpoint(origin: "log.example/prod", size: 5, rootHash: log.roots[5]!).text
            let cosigned = SignedNote(text: text, signatures: try SignedNote.signatures(in: body))
            #expect(try cosigned.verify(witnessSigner.verifierKey).flatMap(Cosignature.time) != nil)

            // Growth with a consistency proof.
            (status, body, _) = try await post(client, try log.body(old: 5, new: 12, signer: logSigner))
            #expect(status == 200, "\(body)")
            // A client that believes another size learns the witness's.
            var contentType: String?
            (status, body, contentType) = try await post(client, try log.body(old: 5, new: 15, signer: logSigner))
            #expect(status == 409 && body == "12\n" && contentType == "text/x.tlog.size")
            // A fork: the rewritten log's tree of 15 does not extend the cosigned 12.
            (status, body, _) = try await post(client, try forked.body(old: 12, new: 15, signer: logSigner))
            #expect(status == 422 && body.contains("FORK"), "\(body)")
            // Another root for the size it cosigned.
            (status, body, _) = try await post(client, try forked.body(old: 12, new: 12, signer: logSigner))
            #expect(status == 422 && body.contains("another root for size 12"), "\(body)")
            // A smaller tree.
            (status, body, _) = try await post(client, try log.body(old: 12, new: 12, signer: logSigner).replacingOccurrences(of: "old 12", with: "old 13"))
            #expect(status == 400 && body.contains("a log never shrinks"), "\(body)")
            // Not the log's key; a log it does not witness; not a checkpoint at all.
            (status, _, _) = try await post(client, try log.body(old: 12, new: 15, signer: NoteSigner(name: "log.example/prod", key: .generate())))
            #expect(status == 403)
            (status, _, _) = try await post(client, try log.body(old: 0, new: 5, signer: logSigner, origin: "other.example/log"))
            #expect(status == 404)
            (status, _, _) = try await post(client, "old twelve\n\nnonsense")
            #expect(status == 400)
            // Nothing of the refused ones moved it.
            (status, body, _) = try await post(client, try log.body(old: 12, new: 20, signer: logSigner))
            #expect(status == 200, "\(body)")
        }
        // Its state outlives it: a new witness on the same file holds size 20.
        let again = try Witness(signer: witnessSigner, logKeys: [logSigner.verifierKey], stateFile: state)
        #expect(await again.size(of: "log.example/prod") == 20)
    }
}
