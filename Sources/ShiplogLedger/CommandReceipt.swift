import Foundation
import ShiplogCore
import ShiplogPostgres

/// What the ledger says back for a recorded command.
///
/// JSON: `{"command":"<uuid>","name":"requestDeploy","appended":[{"stream":...,"firstPosition":...}],"duplicate":false}`.
public struct CommandReceipt: Hashable, Sendable, Codable {
    /// The command's id (its intent's).
    public var command: UUID
    /// The command's name (`LedgerCommand.name`).
    public var name: String
    /// What was appended, stream by stream; empty when the command changed nothing (a build
    /// recorded twice identically, an alarm raised again) or was already recorded.
    public var appended: [AppendResult]
    /// True when this signed command was already recorded: a retried request lands once.
    public var duplicate: Bool

    private enum CodingKeys: String, CodingKey { case command, name, appended, duplicate }

    public init(intent: CommandIntent, appended: [AppendResult], duplicate: Bool) {
        self.command = intent.id
        self.name = intent.command.name
        self.appended = appended
        self.duplicate = duplicate
    }
}
