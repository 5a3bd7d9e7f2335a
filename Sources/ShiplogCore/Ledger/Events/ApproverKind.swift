import Foundation

/// What an enrolled key belongs to.
///
/// - `person`: someone who may approve the environments they are enrolled for.
/// - `ci`: a pipeline (`shiplog approvers add --ci`): records builds, requests and starts
///   deploys; its signature never counts as an approval.
/// - `slackBot`: the server's Slack bot key: its signature counts only for an approval
///   `.slack(evidence)`, on behalf of the enrolled person with that Slack user id.
public enum ApproverKind: String, Hashable, Sendable, Codable {
    case person
    case ci
    case slackBot
}
