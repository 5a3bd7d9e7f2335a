import Foundation
import Logging
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger

/// Records on the ledger what the bot refused for want of authority (a Slack user who is not
/// enrolled, an approval that may not count), signed by the bot for itself: `audit --actor`
/// lists a mapped person's refused attempts, `show`/`audit` the rest under the bot. A refusal
/// that cannot be recorded is logged; the person's reply does not wait on it failing.
struct RefusalRecorder: Sendable {
    let ledger: LedgerService
    let botKey: SigningKey

    /// Whether `error` is one the audit keeps: a refusal of who is asking, not of the state
    /// of things (a deploy already started, a typo).
    static func isRecorded(_ error: LedgerError) -> Bool {
        error.code == .notAuthorized || error.code == .approvalRefused
    }

    func record(
        _ evidence: SlackEvidence, attempt: String, deploy: String? = nil, reason: String, logger: Logger
    ) async {
        do {
            try await ledger.run(
                .recordRefusal(
                    evidence: evidence, attempt: String(attempt.prefix(500)), deployID: deploy.flatMap { try? DeployID($0) },
                    reason: String(reason.prefix(900))),
                signedWith: botKey)
        } catch {
            logger.error(
                "could not record a refused Slack action on the ledger",
                metadata: ["slackUser": "\(evidence.userID)", "error": "\(error)"])
        }
    }
}
