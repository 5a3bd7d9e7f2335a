import Foundation

/// The signed unit of the ledger: who asks for which command, when, under which key.
///
/// The signer signs the intent, not the events: the events are whatever the domain decides
/// for this command at the point of the log where it lands, so the server (or the CLI) may
/// decide it again after losing a race without asking for a new signature, and every reader
/// re-decides it to check the recorded events (`LedgerJudge`). The server never appends
/// events the domain would not have produced for a signed intent at that version.
///
/// The signed bytes are `shiplog-intent-v1\n` followed by the intent's JSON text exactly as
/// stored in the command's last event metadata (`"intent"`), so an outside verifier needs no
/// canonicalisation. The JSON (sorted keys, no whitespace) is:
///
///     {"at":"<RFC 3339, 6 digits>","command":{"<name>":{...}},"for":<principal>,
///      "id":"<lowercase uuid>","signer":"<16 hex key id>"}
///
/// `id` is the command's id and nonce (a command counts once); `at` is the time the domain
/// decides it at: never later than the log records it (`LedgerJudge.clockSkew`), and the
/// server accepts an intent only while it is fresh (`LedgerService.submit`).
public struct CommandIntent: Hashable, Sendable, Codable {
    public static let formatVersion = "shiplog-intent-v1"

    public var id: UUID
    /// The key that signs the intent.
    public var signer: SignerKeyID
    /// On whose behalf: the signer itself, a Slack user (the bot signs), or a CI token (the
    /// server signs).
    public var principal: Principal
    public var at: Date
    public var command: LedgerCommand

    public init(id: UUID = UUID(), signer: SignerKeyID, principal: Principal = .signer, at: Date, command: LedgerCommand) {
        self.id = id
        self.signer = signer
        self.principal = principal
        self.at = LedgerTime.truncatedToMicroseconds(at)
        self.command = command
    }

    private enum CodingKeys: String, CodingKey {
        case id, signer, principal = "for", at, command
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .id)
        guard let id = UUID(uuidString: text), text == id.uuidString.lowercased() else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container, debugDescription: "a command id is a lowercase UUID, not \(LedgerError.quoted(text))")
        }
        self.id = id
        signer = try container.decode(SignerKeyID.self, forKey: .signer)
        principal = try container.decode(Principal.self, forKey: .principal)
        at = try container.decode(Date.self, forKey: .at)
        command = try container.decode(LedgerCommand.self, forKey: .command)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(signer, forKey: .signer)
        try container.encode(principal, forKey: .principal)
        try container.encode(at, forKey: .at)
        try container.encode(command, forKey: .command)
    }

    /// The intent's JSON text (the part of the signed bytes after the format line).
    public func json() throws -> String {
        String(decoding: try LedgerEvent.makeEncoder().encode(self), as: UTF8.self)
    }

    /// The bytes a signature covers for the intent whose JSON text is `json`.
    public static func signedBytes(json: String) -> [UInt8] {
        Array("\(formatVersion)\n".utf8) + Array(json.utf8)
    }

    /// One decoder for every intent, as for payloads: making one per command cost `verify`
    /// seconds on a million events.
    private static let decoder = LedgerEvent.makeDecoder()

    /// Reads an intent back from its JSON text.
    public static func decode(json: String) throws -> CommandIntent {
        do {
            return try decoder.decode(CommandIntent.self, from: Data(json.utf8))
        } catch {
            throw LedgerError(.malformedEvent, "the signed command cannot be read: \(LedgerEvent.describe(error))")
        }
    }
}

/// On whose behalf a command is signed.
///
/// JSON: `{"kind":"signer"}`, `{"kind":"slack","slack":{...evidence...}}` or
/// `{"kind":"token","token":"<token id>"}`.
public enum Principal: Hashable, Sendable, Codable {
    /// The signer acts for itself: a person's key (CLI, local or through the server), an
    /// admin's, a CI key, or the server's key for the system (alarms, automatic rollbacks).
    case signer
    /// The server's Slack bot key signs for the enrolled person with this Slack user id; the
    /// verified Slack request is the evidence.
    case slack(SlackEvidence)
    /// The server's key signs for a CI pipeline that presented this API token.
    case token(TokenID)

    /// How an approval issued under this principal arrived.
    public var approvalChannel: ApprovalChannel {
        if case .slack(let evidence) = self { return .slack(evidence) }
        return .cli
    }

    private enum CodingKeys: String, CodingKey { case kind, slack, token }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "signer": self = .signer
        case "slack": self = .slack(try container.decode(SlackEvidence.self, forKey: .slack))
        case "token": self = .token(try container.decode(TokenID.self, forKey: .token))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown principal '\(kind)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .signer:
            try container.encode("signer", forKey: .kind)
        case .slack(let evidence):
            try container.encode("slack", forKey: .kind)
            try container.encode(evidence, forKey: .slack)
        case .token(let id):
            try container.encode("token", forKey: .kind)
            try container.encode(id, forKey: .token)
        }
    }
}

/// An intent with its signature, as it travels (from a remote CLI to the server, from the
/// CLI or the server into the log): the JSON text exactly as signed, and the signature.
///
/// JSON: `{"intent":"<the intent's JSON text>","signature":"<base64>"}`.
public struct SignedIntent: Hashable, Sendable, Codable {
    public let intent: CommandIntent
    /// The signed JSON text of `intent`.
    public let json: String
    public let signature: SignatureBytes

    /// Pairs an intent's JSON text with its signature; the text must decode.
    public init(json: String, signature: SignatureBytes) throws {
        self.intent = try CommandIntent.decode(json: json)
        self.json = json
        self.signature = signature
    }

    /// The bytes `signature` must cover.
    public var signedBytes: [UInt8] { CommandIntent.signedBytes(json: json) }

    private enum CodingKeys: String, CodingKey { case json = "intent", signature }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            json: try container.decode(String.self, forKey: .json),
            signature: try container.decode(SignatureBytes.self, forKey: .signature))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(json, forKey: .json)
        try container.encode(signature, forKey: .signature)
    }
}
