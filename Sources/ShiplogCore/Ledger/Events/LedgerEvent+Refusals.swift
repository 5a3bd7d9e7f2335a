import Foundation

extension LedgerEvent {
    /// Someone tried something through the Slack bot and was refused: a Slack user who is not
    /// enrolled, or an approval press that may not count (the requester's own, an approver not
    /// allowed for the environment). Recorded by the bot for audit (stream
    /// `refusals-<yyyy-mm-dd>`, the day it happened in UTC); it changes nothing else.
    public struct ActionRefused: Hashable, Sendable, Codable {
        /// The Slack request that carried the attempt.
        public var evidence: SlackEvidence
        /// The enrolled person the Slack user maps to, when one does: `audit --actor` lists
        /// the refusal under that person.
        public var person: ActorName?
        /// What was tried, in the user's words: `/shiplog deploy web 1.2.3 to prod`, `approve d-42`.
        public var attempt: String
        /// The deploy the attempt was about, if any.
        public var deployID: DeployID?
        public var reason: String
        /// The bot that refused it.
        public var recordedBy: LedgerActor
        public var refusedAt: Date

        /// The payload's JSON keys: renaming a property must not rename its key.
        private enum CodingKeys: String, CodingKey {
            case evidence, person, attempt, deployID, reason, recordedBy, refusedAt
        }

        public init(
            evidence: SlackEvidence, person: ActorName?, attempt: String, deployID: DeployID?, reason: String,
            recordedBy: LedgerActor, refusedAt: Date
        ) {
            self.evidence = evidence
            self.person = person
            self.attempt = attempt
            self.deployID = deployID
            self.reason = reason
            self.recordedBy = recordedBy
            self.refusedAt = refusedAt
        }
    }
}
