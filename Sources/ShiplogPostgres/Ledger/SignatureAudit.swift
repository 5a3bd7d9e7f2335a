import Foundation
import ShiplogCore
import ShiplogCrypto

/// The signature half of `shiplog verify`: every approval's signature against the key that
/// was enrolled when it was given, and every command's signature against its signer's key.
///
/// A sequential walk follows the log, keeping the key registry as of each position (admins,
/// approvers, revocations) and turning each signature into a `Job` that carries the key to
/// check it with; jobs are independent, so they run on every core.
public struct SignatureAudit: Sendable {
    public enum Scope: Sendable {
        /// Approvals, and the commands that change who is trusted or what is allowed (keys,
        /// policies, locks, targets, tokens, break-glass starts). The default.
        case approvalsAndTrust
        /// Every command's signature as well (about one Ed25519 check per event).
        case everything
    }

    /// Event types whose commands are always checked.
    static let trustTypes: Set<String> = [
        "LedgerInitialized", "AdminAdded", "ApproverEnrolled", "ApproverRevoked", "PolicySet", "TargetSet",
        "TokenIssued", "TokenRevoked", "EnvironmentLocked", "EnvironmentUnlocked",
    ]
    static let catalogue = Set(LedgerEvent.allTypes)

    public let scope: Scope
    private var registry = KeyRegistry()
    private var command: (id: UUID, signer: SignerKeyID, events: [RecordedEvent])?

    public init(scope: Scope = .approvalsAndTrust) {
        self.scope = scope
    }

    /// One signature to check, with everything it needs; jobs run on any core.
    struct Job: Sendable {
        enum Kind: Sendable {
            /// A command signature over `message` by `key`.
            case command(message: [UInt8], signature: [UInt8], key: PublicKey, type: String)
            /// An approval: decoded here, off the sequential walk, and checked against the
            /// registry as it stood at its position.
            case approval(payload: String, registry: KeyRegistry)
        }

        var position: Int64
        var kind: Kind

        func run() -> ChainFailure? {
            switch kind {
            case .command(let message, let signature, let key, let type):
                return key.isValidSignature(signature, for: message)
                    ? nil : failure("the command signature of \(type) does not verify: the signed content was altered or forged")
            case .approval(let payload, let registry):
                guard let approval = ApprovalRecord(payload: payload) else {
                    return failure("the approval cannot be read")
                }
                guard let key = registry.key(approval.statement.signer, approvedAt: approval.approvedAt) else {
                    return failure(
                        "approval signed by key \(approval.statement.signer), which was not enrolled (or was revoked) when it was given")
                }
                return key.isValidSignature(approval.signature.bytes, for: approval.statement.canonicalBytes)
                    ? nil
                    : failure("the approval signature of \(approval.approver) does not verify: the signed content was altered or forged")
            }
        }

        private func failure(_ reason: String) -> ChainFailure { ChainFailure(position: position, reason: reason) }
    }

    /// Consumes the next event in log order; returns a failure found without cryptography
    /// (unsigned ledger event, unknown or revoked signer) or the signature jobs it produced.
    mutating func consume(_ event: RecordedEvent) -> Result<[Job], ChainFailure> {
        guard Self.catalogue.contains(event.type) else { return .success([]) }
        var jobs: [Job] = []
        guard let (envelope, signature) = MetadataReader.envelope(event.metadata) else {
            return .failure(
                ChainFailure(position: event.position, reason: "\(event.type) carries no command signature: it was not written by shiplog"))
        }
        if let open = command, open.id != envelope.commandID {
            return .failure(
                ChainFailure(position: open.events[0].position, reason: "command \(open.id) ends without its signature"))
        }
        var current = command ?? (envelope.commandID, envelope.signer, [])
        current.events.append(event)
        command = current

        // Keys introduced here are known from here on (the first admin signs its own init).
        let learned = learn(from: event)
        if case .failure(let failure) = learned { return .failure(failure) }

        if event.type == "DeployApproved" {
            jobs.append(Job(position: event.position, kind: .approval(payload: event.payload, registry: registry)))
        }
        guard let signature else { return .success(jobs) }
        command = nil
        let critical = current.events.contains {
            Self.trustTypes.contains($0.type) || ($0.type == "DeployStarted" && Self.breaksGlass($0.payload))
        }
        guard scope == .everything || critical else { return .success(jobs) }
        guard let signer = registry.key(current.signer, recordedAt: event.recordedAt) else {
            return .failure(
                ChainFailure(
                    position: event.position,
                    reason: "signed by key \(current.signer), which was not enrolled (or was revoked) at \(LedgerTime.secondsString(event.recordedAt))"))
        }
        let message = CommandEnvelope(commandID: current.id, signer: current.signer).signedBytes(
            current.events.map { ($0.stream, $0.type, $0.payload) })
        jobs.append(Job(position: event.position, kind: .command(message: message, signature: signature.bytes, key: signer, type: event.type)))
        return .success(jobs)
    }

    /// Whether a DeployStarted payload (sorted keys, as shiplog writes it) breaks glass.
    static func breaksGlass(_ payload: String) -> Bool {
        var payload = payload
        return payload.withUTF8 { bytes in
            let needle = Array(#""breakGlass":true"#.utf8)
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if (0..<needle.count).allSatisfy({ bytes[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
    }

    /// The end of the log: a command still open lost its signed last event.
    func finish() -> ChainFailure? {
        command.map { ChainFailure(position: $0.events[0].position, reason: "command \($0.id) ends without its signature") }
    }

    private mutating func learn(from event: RecordedEvent) -> Result<Void, ChainFailure> {
        guard ["LedgerInitialized", "AdminAdded", "ApproverEnrolled", "ApproverRevoked"].contains(event.type) else {
            return .success(())
        }
        guard let decoded = try? LedgerEvent.decode(type: event.type, payloadJSON: event.payload) else {
            return .failure(ChainFailure(position: event.position, reason: "\(event.type) cannot be read"))
        }
        switch decoded {
        case .ledgerInitialized(let e): registry.add(e.keyID, e.publicKey)
        case .adminAdded(let e): registry.add(e.keyID, e.publicKey)
        case .approverEnrolled(let e): registry.add(e.keyID, e.publicKey)
        case .approverRevoked(let e): registry.revoke(e.keyID, at: e.revokedAt, recordedAt: event.recordedAt)
        default: break
        }
        return .success(())
    }
}

/// What the audit needs of a DeployApproved payload, read with JSONSerialization: the
/// verifier reads one per approval in the log, and the Codable path costs twice as much.
struct ApprovalRecord {
    var statement: ApprovalStatement
    var signature: SignatureBytes
    var approver: String
    var approvedAt: Date

    init?(payload: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            let fields = object["statement"] as? [String: Any],
            let approver = object["approver"] as? String,
            let approvedAt = (object["approvedAt"] as? String).flatMap(LedgerTime.parse),
            let signature = (object["signature"] as? String).flatMap({ try? SignatureBytes(base64: $0) }),
            let expiresAt = (fields["expiresAt"] as? String).flatMap(LedgerTime.parse),
            let deployID = (fields["deployID"] as? String).flatMap({ try? DeployID($0) }),
            let environment = (fields["environment"] as? String).flatMap({ try? Environment($0) }),
            let service = (fields["service"] as? String).flatMap({ try? ServiceName($0) }),
            let version = (fields["version"] as? String).flatMap({ try? ServiceVersion($0) }),
            let artifact = (fields["artifact"] as? String).flatMap({ try? ArtifactDigest($0) }),
            let signer = (fields["signer"] as? String).flatMap({ try? SignerKeyID($0) })
        else { return nil }
        self.statement = ApprovalStatement(
            deployID: deployID, environment: environment, service: service, version: version, artifact: artifact,
            expiresAt: expiresAt, signer: signer)
        self.signature = signature
        self.approver = approver
        self.approvedAt = approvedAt
    }
}

/// Keys known at a point of the log.
struct KeyRegistry: Sendable {
    private struct Entry: Sendable {
        var key: PublicKey
        /// The revocation's own time, compared with approval times (both in payloads).
        var revokedAt: Date?
        /// When the revocation was recorded, compared with commands' recorded times.
        var revocationRecordedAt: Date?
    }

    private var entries: [SignerKeyID: Entry] = [:]

    mutating func add(_ keyID: SignerKeyID, _ publicKey: PublicKeyBytes) {
        guard let key = try? PublicKey(bytes: publicKey.bytes) else { return }
        entries[keyID] = Entry(key: key)
    }

    mutating func revoke(_ keyID: SignerKeyID, at date: Date, recordedAt: Date) {
        entries[keyID]?.revokedAt = date
        entries[keyID]?.revocationRecordedAt = recordedAt
    }

    /// The key, if it was enrolled and not revoked before an approval given at `date`.
    func key(_ keyID: SignerKeyID, approvedAt date: Date) -> PublicKey? {
        guard let entry = entries[keyID] else { return nil }
        if let revokedAt = entry.revokedAt, revokedAt <= date { return nil }
        return entry.key
    }

    /// The key, if it was enrolled and its revocation (if any) was recorded after `recordedAt`.
    func key(_ keyID: SignerKeyID, recordedAt: Date) -> PublicKey? {
        guard let entry = entries[keyID] else { return nil }
        if let revoked = entry.revocationRecordedAt, revoked < recordedAt { return nil }
        return entry.key
    }
}

/// Reads the command envelope from metadata, fast for the exact shape shiplog writes.
enum MetadataReader {
    static func envelope(_ metadata: String) -> (CommandEnvelope, SignatureBytes?)? {
        // {"command":"<36>","signer":"<16>"[,"signature":"<b64>"]}
        var text = metadata
        let fast: (CommandEnvelope, SignatureBytes?)? = text.withUTF8 { utf8 in
            let prefix = #"{"command":""#.utf8, middle = #"","signer":""#.utf8
            let signerStart = prefix.count + 36 + middle.count
            guard utf8.count >= signerStart + 18, utf8.starts(with: prefix),
                UnsafeBufferPointer(rebasing: utf8[(prefix.count + 36)..<signerStart]).elementsEqual(middle),
                let id = UUID(canonicalText: UnsafeBufferPointer(rebasing: utf8[prefix.count..<(prefix.count + 36)])),
                let signer = try? SignerKeyID(String(decoding: utf8[signerStart..<(signerStart + 16)], as: UTF8.self))
            else { return nil }
            let rest = UnsafeBufferPointer(rebasing: utf8[(signerStart + 16)...])
            if rest.elementsEqual(#""}"#.utf8) { return (CommandEnvelope(commandID: id, signer: signer), nil) }
            let signatureKey = #"","signature":""#.utf8
            guard rest.starts(with: signatureKey), rest.count > signatureKey.count + 2, rest.last == UInt8(ascii: "}"),
                let signature = try? SignatureBytes(
                    base64: String(decoding: rest.dropFirst(signatureKey.count).dropLast(2), as: UTF8.self))
            else { return nil }
            return (CommandEnvelope(commandID: id, signer: signer), signature)
        }
        if let fast { return fast }
        return CommandEnvelope.parse(metadataJSON: metadata).map { ($0.envelope, $0.signature) }
    }
}
