import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogPostgres

/// Checks a receipt with nothing but public keys: no database, no network.
///
/// In order: the checkpoint is signed by the ledger's key; at least `quorum` of the given
/// witnesses cosigned it; every entry's inclusion proof leads to its root (so each event is the
/// one the log committed to); the deploy's events are all there (versions 1…n); every command
/// of the receipt counts when judged as the ledger judges it (`LedgerJudge`: each signature
/// against the key enrolled at that point of the log, the signer's authority; trust, policy and
/// build commands also re-decided by the domain); and the gate's rule as it stood at the start,
/// re-derived with the domain's own `Gate` from the state the receipt proves just before it:
/// the policy's approvals, from distinct enrolled approvers allowed for the environment, none
/// the requester, none expired or revoked at the start, each signed over this deploy's
/// artifact, which is the one the build recorded; a break-glass start signed by an admin.
/// Locks, freeze windows and the service's deploys in flight are not part of the receipt.
public enum ReceiptVerifier {
    public struct Verdict: Sendable, Codable, Hashable {
        public var ok: Bool
        /// One line: what the receipt proves, or the first thing that fails.
        public var summary: String
        /// Every problem found, in the order checked.
        public var problems: [String]
        public var checkpointSize: Int64?
        public var cosigners: [String]
    }

    /// Whether the gate allowed the start at `start`, re-derived from the receipt's events before it.
    static func gateProblems(at start: RecordedEvent, of id: DeployID, in events: [RecordedEvent], streams: Set<LedgerStream>)
        -> [String]
    {
        guard case .deployStarted(let started)? = try? LedgerEvent.decode(type: start.type, payloadJSON: start.payload) else {
            return ["DeployStarted at \(start.position) cannot be read"]
        }
        let before = LoadedStreams(judging: events.filter { $0.position < start.position }, streams: streams)
        guard let deploy = before.world.deploys[id], let request = deploy.request else {
            return ["DeployStarted at \(start.position) does not count: deploy \(id) was not requested before it"]
        }
        if started.breakGlass {
            return before.world.trustRoot.isAdmin(started.startedBy.keyID)
                ? []
                : ["DeployStarted at \(start.position) does not count: a break-glass start by \(started.startedBy.name), who is not an admin"]
        }
        let gate = Gate.evaluate(
            deploy: deploy, approvers: before.world.approvers, policy: before.state(PolicyRecord.self, .policy(request.environment)).policy,
            locks: [], now: started.startedAt, verifier: Ed25519Verifier())
        guard gate.allowed else {
            let refused = gate.verdicts.compactMap { verdict in verdict.reason.map { "\(verdict.approver): \($0)" } }
            return [
                "DeployStarted at \(start.position) does not count: deploy \(id) may not start: "
                    + (gate.reasons + refused).joined(separator: "; ")
            ]
        }
        guard Set(gate.approvedBy) == Set(started.approvedBy) else {
            return [
                "DeployStarted at \(start.position) names approvers \(started.approvedBy.map(\.rawValue).joined(separator: ", ")) but those that count are \(gate.approvedBy.map(\.rawValue).joined(separator: ", "))"
            ]
        }
        return []
    }

    public static func verify(
        _ receipt: Receipt, ledgerKey: NoteVerifierKey?, ledgerPublicKey: PublicKey? = nil, witnessKeys: [NoteVerifierKey],
        quorum: Int
    ) -> Verdict {
        var problems: [String] = []
        var cosigners: [String] = []
        guard receipt.format == Receipt.currentFormat else {
            return failed("the receipt's format is \(receipt.format.debugDescription), not \(Receipt.currentFormat)")
        }
        // The checkpoint and who signed it.
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: receipt.checkpoint)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            return failed("the receipt's checkpoint is not a signed checkpoint: \(error)")
        }
        let logKey: NoteVerifierKey? =
            ledgerKey ?? ledgerPublicKey.flatMap { try? NoteVerifierKey(name: checkpoint.origin, kind: .ed25519, publicKey: $0) }
        if let logKey {
            do {
                if try note.verify(logKey) == nil {
                    problems.append("the checkpoint is not signed by the ledger key \(logKey): it was signed by another key")
                }
            } catch {
                problems.append("the checkpoint's signature by the ledger key \(logKey.name) does not verify: it was altered or forged")
            }
        } else {
            problems.append("no ledger key to check the checkpoint with")
        }
        for key in witnessKeys {
            do {
                if try note.verify(key) != nil { cosigners.append(key.name) }
            } catch {
                problems.append("witness \(key.name)'s cosignature does not verify: the checkpoint was altered")
            }
        }
        if cosigners.count < quorum {
            let missing = witnessKeys.map(\.name).filter { !cosigners.contains($0) }
            problems.append(
                "the checkpoint is cosigned by \(cosigners.count) of the witnesses given, \(quorum) required (--quorum); missing: \(missing.joined(separator: ", "))"
            )
        }

        // Every entry is the event the log committed to.
        let events = receipt.entries.map(\.event)
        for entry in receipt.entries {
            guard entry.position >= 1, entry.position <= checkpoint.size else {
                problems.append("event \(entry.position) (\(entry.type)) lies outside the checkpoint's \(checkpoint.size) events")
                continue
            }
            guard let proof = try? entry.proof.map(Base64.decode), proof.allSatisfy({ $0.count == MerkleTree.hashSize }) else {
                problems.append("event \(entry.position) (\(entry.type)): its inclusion proof is not base64 hashes")
                continue
            }
            if !MerkleTree.verifyInclusion(
                leafHash: LogTree.leafHash(of: entry.event), index: entry.position - 1, size: checkpoint.size, proof: proof,
                root: checkpoint.rootHash)
            {
                problems.append(
                    "event \(entry.position) (\(entry.type) on \(entry.stream)) is not in the checkpoint's tree: the event or its inclusion proof was altered"
                )
            }
        }
        guard Set(events.map(\.position)).count == events.count, events.map(\.position) == events.map(\.position).sorted() else {
            return failed("the receipt's events are not in log order, or one appears twice", problems: problems)
        }

        // The deploy's record is whole, and every command in it counts.
        let deployID: DeployID
        do { deployID = try DeployID(receipt.deploy) } catch { return failed("the receipt names no valid deploy: \(receipt.deploy)") }
        let deployStream = LedgerStream.deploy(deployID).name
        let own = events.filter { $0.stream == deployStream }
        if !own.enumerated().allSatisfy({ $0.element.streamVersion == Int64($0.offset + 1) }) {
            problems.append("the deploy's events are not all here: its stream skips from one version to another")
        }
        let streams = Set(receipt.streams.compactMap { try? LedgerStream(name: $0) })
        let loaded = LoadedStreams(judging: events, streams: streams)
        for skipped in loaded.skipped {
            problems.append("\(skipped.type) at \(skipped.position) does not count: \(skipped.reason)")
        }
        let deploy = loaded.world.deploys[deployID]
        guard let request = deploy?.request else {
            return failed("the receipt holds no counted request of deploy \(deployID)", problems: problems)
        }
        // The key that signed the checkpoint must be the one the ledger enrolled for it.
        if let logKey {
            if let enrolled = loaded.world.trustRoot.checkpointKey {
                if enrolled.publicKey.bytes != logKey.publicKey.bytes || enrolled.origin != checkpoint.origin {
                    problems.append(
                        "the ledger enrolled checkpoint key \(enrolled.keyID) for \(enrolled.origin), not the key given (\(logKey.publicKey.keyID)) for \(checkpoint.origin)")
                }
            } else {
                problems.append("the receipt's trust root enrolls no checkpoint key: the key given cannot be shown to be the ledger's")
            }
        }
        let build = loaded.state(BuildCatalog.self, .build(request.service, request.version)).build(version: request.version)
        if let build, build.artifact != request.artifact {
            problems.append("the deploy's artifact \(request.artifact) is not the one recorded for \(request.service) \(request.version): \(build.artifact)")
        } else if build == nil && !request.allowUnrecorded {
            problems.append("the receipt proves no recorded build of \(request.service) \(request.version)")
        }
        if let start = events.first(where: { $0.stream == deployStream && $0.type == "DeployStarted" }) {
            problems += gateProblems(at: start, of: deployID, in: events, streams: streams)
        }
        guard problems.isEmpty else {
            var verdict = failed(problems[0], problems: problems)
            verdict.checkpointSize = checkpoint.size
            verdict.cosigners = cosigners
            return verdict
        }
        let policy = loaded.state(PolicyRecord.self, .policy(request.environment)).policy
        var proves = "deploy \(deployID): \(request.service) \(request.version) (\(request.artifact)) to \(request.environment)"
        proves += ", requested by \(request.requestedBy)"
        if let started = deploy?.started {
            let required = policy.map { " (\($0.approvalsRequired) required)" } ?? ""
            proves +=
                started.breakGlass
                ? ", started past the gate by break-glass (\(started.breakGlassReason ?? "no reason")) by \(started.startedBy)"
                : ", approved by \(started.approvedBy.map(\.rawValue).joined(separator: ", "))\(required), started by \(started.startedBy)"
        }
        if let status = deploy?.status { proves += ", \(status)" }
        proves += "; in checkpoint \(checkpoint.size) of \(checkpoint.origin)"
        proves += cosigners.isEmpty ? "" : ", cosigned by \(cosigners.joined(separator: ", "))"
        return Verdict(ok: true, summary: "OK: " + proves, problems: [], checkpointSize: checkpoint.size, cosigners: cosigners)

        /// The first problem found leads; `summary` follows the ones before it.
        func failed(_ summary: String, problems: [String] = []) -> Verdict {
            let all = problems.contains(summary) ? problems : problems + [summary]
            return Verdict(ok: false, summary: "FAILS: " + all[0], problems: all, checkpointSize: nil, cosigners: cosigners)
        }
    }
}
