import Foundation

/// Payload JSON: what is stored in the event store's `payload` column and covered by the hash.
///
/// - Keys are the payload's Swift property names, sorted (`JSONEncoder.OutputFormatting.sortedKeys`),
///   no whitespace, `/` not escaped.
/// - Dates are RFC 3339 UTC strings with six fractional digits (`2026-11-22T14:05:00.000000Z`),
///   see `LedgerTime`; no floating-point numbers appear anywhere.
/// - Byte strings (public keys, signatures) are standard base64.
/// - Optional fields that are nil are left out.
///
/// Encoding the same event twice gives the same text, and decoding then encoding a stored
/// payload gives the stored text back.
extension LedgerEvent {
    /// The payload as stable JSON text.
    public func payloadJSON() throws -> String {
        let encoder = Self.makeEncoder()
        let data: Data
        switch self {
        case .ledgerInitialized(let e): data = try encoder.encode(e)
        case .adminAdded(let e): data = try encoder.encode(e)
        case .checkpointKeySet(let e): data = try encoder.encode(e)
        case .adminRemoved(let e): data = try encoder.encode(e)
        case .approverEnrolled(let e): data = try encoder.encode(e)
        case .approverRevoked(let e): data = try encoder.encode(e)
        case .policySet(let e): data = try encoder.encode(e)
        case .targetSet(let e): data = try encoder.encode(e)
        case .tokenIssued(let e): data = try encoder.encode(e)
        case .tokenRevoked(let e): data = try encoder.encode(e)
        case .buildRecorded(let e): data = try encoder.encode(e)
        case .migrationApplied(let e): data = try encoder.encode(e)
        case .migrationFailed(let e): data = try encoder.encode(e)
        case .deployRequested(let e): data = try encoder.encode(e)
        case .deployApproved(let e): data = try encoder.encode(e)
        case .deployRejected(let e): data = try encoder.encode(e)
        case .deployCancelled(let e): data = try encoder.encode(e)
        case .deployStarted(let e): data = try encoder.encode(e)
        case .deploySucceeded(let e): data = try encoder.encode(e)
        case .deployFailed(let e): data = try encoder.encode(e)
        case .environmentLocked(let e): data = try encoder.encode(e)
        case .environmentUnlocked(let e): data = try encoder.encode(e)
        case .activeDeployOpened(let e): data = try encoder.encode(e)
        case .activeDeployClosed(let e): data = try encoder.encode(e)
        case .alarmRaised(let e): data = try encoder.encode(e)
        case .alarmResolved(let e): data = try encoder.encode(e)
        case .rollbackStarted(let e): data = try encoder.encode(e)
        case .rollbackSucceeded(let e): data = try encoder.encode(e)
        case .rollbackFailed(let e): data = try encoder.encode(e)
        case .actionRefused(let e): data = try encoder.encode(e)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Rebuilds an event from its stored type and payload. Throws a `LedgerError` with code
    /// `.malformedEvent` for an unknown type or a payload that does not decode.
    public static func decode(type: String, payloadJSON: String) throws -> LedgerEvent {
        let decoder = sharedDecoder
        let data = Data(payloadJSON.utf8)
        func payload<P: Decodable>(_: P.Type) throws -> P {
            do {
                return try decoder.decode(P.self, from: data)
            } catch {
                throw LedgerError(
                    .malformedEvent, "event \(type) has a malformed payload: \(describe(error))")
            }
        }
        switch type {
        case "LedgerInitialized": return .ledgerInitialized(try payload(LedgerInitialized.self))
        case "AdminAdded": return .adminAdded(try payload(AdminAdded.self))
        case "CheckpointKeySet": return .checkpointKeySet(try payload(CheckpointKeySet.self))
        case "AdminRemoved": return .adminRemoved(try payload(AdminRemoved.self))
        case "ApproverEnrolled": return .approverEnrolled(try payload(ApproverEnrolled.self))
        case "ApproverRevoked": return .approverRevoked(try payload(ApproverRevoked.self))
        case "PolicySet": return .policySet(try payload(PolicySet.self))
        case "TargetSet": return .targetSet(try payload(TargetSet.self))
        case "TokenIssued": return .tokenIssued(try payload(TokenIssued.self))
        case "TokenRevoked": return .tokenRevoked(try payload(TokenRevoked.self))
        case "BuildRecorded": return .buildRecorded(try payload(BuildRecorded.self))
        case "MigrationApplied": return .migrationApplied(try payload(MigrationApplied.self))
        case "MigrationFailed": return .migrationFailed(try payload(MigrationFailed.self))
        case "DeployRequested": return .deployRequested(try payload(DeployRequested.self))
        case "DeployApproved": return .deployApproved(try payload(DeployApproved.self))
        case "DeployRejected": return .deployRejected(try payload(DeployRejected.self))
        case "DeployCancelled": return .deployCancelled(try payload(DeployCancelled.self))
        case "DeployStarted": return .deployStarted(try payload(DeployStarted.self))
        case "DeploySucceeded": return .deploySucceeded(try payload(DeploySucceeded.self))
        case "DeployFailed": return .deployFailed(try payload(DeployFailed.self))
        case "EnvironmentLocked": return .environmentLocked(try payload(EnvironmentLocked.self))
        case "EnvironmentUnlocked": return .environmentUnlocked(try payload(EnvironmentUnlocked.self))
        case "ActiveDeployOpened": return .activeDeployOpened(try payload(ActiveDeployOpened.self))
        case "ActiveDeployClosed": return .activeDeployClosed(try payload(ActiveDeployClosed.self))
        case "AlarmRaised": return .alarmRaised(try payload(AlarmRaised.self))
        case "AlarmResolved": return .alarmResolved(try payload(AlarmResolved.self))
        case "RollbackStarted": return .rollbackStarted(try payload(RollbackStarted.self))
        case "RollbackSucceeded": return .rollbackSucceeded(try payload(RollbackSucceeded.self))
        case "RollbackFailed": return .rollbackFailed(try payload(RollbackFailed.self))
        case "ActionRefused": return .actionRefused(try payload(ActionRefused.self))
        default:
            throw LedgerError(
                .malformedEvent,
                "unknown event type \(LedgerError.quoted(type)): this Shiplog knows \(allTypes.count) types; is the ledger from a newer version?"
            )
        }
    }

    /// The encoder behind `payloadJSON()`, for values that travel with events.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(LedgerTime.payloadString(date))
        }
        return encoder
    }

    /// One decoder for every payload: its configuration never changes, and making one per
    /// event cost a verify of a million events seconds.
    private static let sharedDecoder = makeDecoder()

    /// The decoder behind `decode(type:payloadJSON:)`.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = LedgerTime.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 time, got \(LedgerError.quoted(text))")
            }
            return date
        }
        return decoder
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at " + keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.debugDescription + path(context)
        @unknown default:
            return "\(error)"
        }
    }
}
