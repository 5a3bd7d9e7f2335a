import Foundation
import Logging
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger
import ShiplogSlack

/// A verified button press on an approval message. Approve: the Slack user must map to an
/// enrolled approver; the bot signs, on their behalf, the same canonical statement the CLI
/// signs, with the press as evidence; the message is then replaced through the press's
/// `response_url` with the new count (and says when the gate opens). A press that cannot count
/// (the requester, someone not allowed for the environment, a second press, a deploy no longer
/// waiting) changes nothing, is logged, and gets a reply only the presser sees.
struct InteractionHandler: Sendable {
    let ledger: LedgerService
    let botKey: SigningKey
    let http: HTTPClient
    /// The Web API, for the reject dialog (`views.open`); without a bot token, reject by command.
    let slack: SlackDelivery?

    private var refusals: RefusalRecorder { RefusalRecorder(ledger: ledger, botKey: botKey) }

    /// Answers a verified interaction; the returned JSON, if any, is the HTTP response body
    /// Slack reads (a dialog's errors).
    func handle(_ slack: VerifiedSlackRequest, logger: Logger) async -> [UInt8]? {
        if let payload = slack.form["payload"], let submission = ViewSubmission(payload: payload) {
            return await reject(submission, slack: slack, logger: logger)
        }
        guard let payload = slack.form["payload"], let action = BlockAction(payload: payload) else {
            logger.debug("an interaction Shiplog does not act on")
            return nil
        }
        let reply: [UInt8]
        switch action.actionID {
        case "approve":
            reply = await approve(action, slack: slack, logger: logger)
        case "reject":
            if let web = self.slack, let trigger = action.triggerID {
                switch await web.webAPI("views.open", body: ViewSubmission.rejectDialog(deployID: action.value, triggerID: trigger)) {
                case .delivered: return nil
                case .retry(let reason, _), .permanent(let reason):
                    logger.warning("could not open the reject dialog", metadata: ["reason": "\(reason)"])
                }
            }
            reply = Self.ephemeral("To reject \(action.value), say why: /shiplog reject \(action.value) REASON")
        default:
            reply = Self.ephemeral("Shiplog does not know the button '\(action.actionID)'")
        }
        guard let url = action.responseURL else { return nil }
        do {
            let response = try await http.send(
                HTTPRequest(method: .post, url: url, headers: [("Content-Type", "application/json")], body: reply))
            if response.status >= 300 {
                logger.warning("Slack refused the reply to a button press", metadata: ["status": "\(response.status)"])
            }
        } catch {
            logger.warning("could not reply to a button press", metadata: ["error": "\(error)"])
        }
        return nil
    }

    /// The reject dialog, submitted: the rejection is signed by the bot for the mapped person;
    /// a refusal is shown in the dialog, on its reason field.
    private func reject(_ submission: ViewSubmission, slack: VerifiedSlackRequest, logger: Logger) async -> [UInt8]? {
        func dialogError(_ text: String) -> [UInt8] {
            let object: [String: Any] = ["response_action": "errors", "errors": ["reason": text]]
            return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
        }
        do {
            let evidence = SlackEvidence(
                userID: try SlackUserID(submission.userID), teamID: submission.teamID, actionTimestamp: "",
                requestTimestamp: String(slack.timestamp), requestSignature: slack.signature)
            try await ledger.run(
                .rejectDeploy(id: try DeployID(submission.deployID), reason: submission.reason), signedWith: botKey,
                for: .slack(evidence))
            return nil
        } catch let refusal as LedgerError {
            logger.notice("a Slack rejection was refused", metadata: ["reason": "\(refusal.message)"])
            if RefusalRecorder.isRecorded(refusal), let user = try? SlackUserID(submission.userID) {
                let evidence = SlackEvidence(
                    userID: user, teamID: submission.teamID, actionTimestamp: "",
                    requestTimestamp: String(slack.timestamp), requestSignature: slack.signature)
                await refusals.record(
                    evidence, attempt: "reject \(submission.deployID)", deploy: submission.deployID, reason: refusal.message,
                    logger: logger)
            }
            return dialogError(refusal.message)
        } catch {
            logger.error("a Slack rejection failed", metadata: ["error": "\(error)"])
            return dialogError("Shiplog could not record that just now; try again in a moment")
        }
    }

    private func approve(_ action: BlockAction, slack: VerifiedSlackRequest, logger: Logger) async -> [UInt8] {
        var evidence: SlackEvidence?
        do {
            let pressed = SlackEvidence(
                userID: try SlackUserID(action.userID), teamID: action.teamID, actionTimestamp: action.actionTimestamp,
                requestTimestamp: String(slack.timestamp), requestSignature: slack.signature)
            evidence = pressed
            try await ledger.approve(action.value, key: botKey, for: .slack(pressed))
            let (context, _, _) = try await ledger.deploy(action.value)
            return ApprovalMessage(context, gate: ledger.evaluate(context)).json(["replace_original": true])
        } catch let error as LedgerError {
            logger.notice(
                "a Slack approval did not count", metadata: ["slackUser": "\(action.userID)", "deploy": "\(action.value)", "reason": "\(error.message)"])
            if RefusalRecorder.isRecorded(error), let evidence {
                await refusals.record(
                    evidence, attempt: "approve \(action.value)", deploy: action.value, reason: error.message, logger: logger)
            }
            return Self.ephemeral("Your approval of \(action.value) does not count: \(error.message)")
        } catch {
            logger.error("a Slack approval failed", metadata: ["error": "\(error)"])
            return Self.ephemeral("Shiplog could not record that just now; press again in a moment")
        }
    }

    static func ephemeral(_ text: String) -> [UInt8] {
        let object: [String: Any] = ["response_type": "ephemeral", "replace_original": false, "text": text]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
