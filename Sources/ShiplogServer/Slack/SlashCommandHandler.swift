import Foundation
import Logging
import ShiplogAWS
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres
import ShiplogSlack

/// A verified `/shiplog` command, carried out: the Slack user must be an enrolled person; the
/// command is then decided by the same domain as the CLI's, signed by the bot key on that
/// person's behalf with the Slack request as evidence, so the ledger records the person as the
/// actor and `verify` checks the bot's signature and the mapping. Queries read the projections
/// as the server's projector keeps them (one NOTIFY behind the log at most), without catching up
/// themselves: an acknowledgement has 3 seconds, and a hundred of them may arrive at once.
struct SlashCommandHandler: Sendable {
    let ledger: LedgerService
    let pool: PostgresPool
    let botKey: SigningKey
    /// Who is enrolled, judged, kept while the trust streams do not move: a hundred commands
    /// at once need not each read and judge them (`verify` and every decision still do).
    let people = EnrolledPeople()
    /// True when the outbox posts approval messages to the channel (a bot token and a channel):
    /// then the command's reply says what happened and the message comes from there, once.
    var outboxPostsMessages = false
    /// ECS, for `/shiplog run` and `/shiplog rollback` (nil: the server has no AWS settings).
    var aws: SlackAWS?

    /// What the slash command needs to deploy and roll back on ECS.
    struct SlackAWS: Sendable {
        let runner: DeployRunner
        let rollbacks: Rollbacks
        let background: RollbackService
    }

    private var refusals: RefusalRecorder { RefusalRecorder(ledger: ledger, botKey: botKey) }

    func handle(_ slack: VerifiedSlackRequest, logger: Logger) async -> SlackReply {
        let form = slack.form
        let command: SlashCommand
        do {
            command = try SlashCommand.parse(form["text"] ?? "")
        } catch {
            return .ephemeral(error.message)
        }
        if command == .help { return .ephemeral(SlashCommand.helpText) }
        do {
            guard let user = form["user_id"], let team = form["team_id"] else {
                return .ephemeral("Slack sent no user_id or team_id with this command")
            }
            let evidence = SlackEvidence(
                userID: try SlackUserID(user), teamID: team, actionTimestamp: form["trigger_id"] ?? "",
                requestTimestamp: String(slack.timestamp), requestSignature: slack.signature)
            let approvers = try await people.current(ledger: ledger, pool: pool)
            let attempt = "/shiplog \(form["text"] ?? "")"
            guard let person = approvers.activeApprover(slackUserID: evidence.userID, at: .distantFuture), person.kind == .person
            else {
                logger.notice("a Slack user who is not enrolled tried a command", metadata: ["slackUser": "\(user)"])
                let reason = "Slack user \(user) is not enrolled"
                await refusals.record(evidence, attempt: attempt, deploy: command.deployID, reason: reason, logger: logger)
                return .ephemeral(
                    "Shiplog does not know you (\(user)): ask an admin to enroll you with shiplog approvers add NAME --public-key KEY --slack-user \(user)")
            }
            do {
                return try await carryOut(command, by: person.name.rawValue, for: .slack(evidence))
            } catch let error as LedgerError where RefusalRecorder.isRecorded(error) {
                await refusals.record(evidence, attempt: attempt, deploy: command.deployID, reason: error.message, logger: logger)
                return .ephemeral(error.message)
            }
        } catch let error as LedgerError {
            return .ephemeral(error.message)
        } catch {
            logger.error("a slash command failed", metadata: ["error": "\(error)"])
            return .ephemeral("Shiplog could not do that just now (the database did not answer); try again in a moment")
        }
    }

    private func carryOut(_ command: SlashCommand, by person: String, for principal: Principal) async throws -> SlackReply {
        switch command {
        case .deploy(let service, let version, let environment, let reason):
            let id = try DeployID(shortID: LedgerService.newShortID())
            try await ledger.run(
                .requestDeploy(
                    id: id, service: try ServiceName(service), environment: try Environment(environment),
                    version: try ServiceVersion(version), artifact: nil, reason: reason, allowUnrecorded: false),
                signedWith: botKey, for: principal)
            let (context, _, _) = try await ledger.deploy(id.rawValue)
            let gate = ledger.evaluate(context)
            let line = "\(person) requested \(service) \(version) to \(environment): \(id) — \(gateLine(gate))"
            // Where approvals are needed, the channel gets the approval message with its buttons.
            let message = gate.required > 0 && !outboxPostsMessages ? ApprovalMessage(context, gate: gate) : nil
            return .inChannel(line, message: message)
        case .approve(let id):
            try await ledger.approve(id, key: botKey, for: principal)
            return .inChannel("\(person) approved \(id) — \(gateLine(try await ledger.gate(id)))")
        case .reject(let id, let reason):
            try await ledger.run(.rejectDeploy(id: try DeployID(id), reason: reason), signedWith: botKey, for: principal)
            return .inChannel("\(person) rejected \(id): \(reason)")
        case .cancel(let id):
            try await ledger.run(.cancelDeploy(id: try DeployID(id), reason: nil), signedWith: botKey, for: principal)
            return .inChannel("\(person) cancelled \(id)")
        case .status(let environment):
            let rows = try await LedgerQueries(pool: pool).status(environment: environment)
            guard !rows.isEmpty else { return .ephemeral("nothing deployed\(environment.map { " to \($0)" } ?? "") yet") }
            return .ephemeral(
                rows.map { row in
                    var line = "\(row.environment) \(row.service): \(row.version ?? "—")"
                    if let by = row.deployedBy { line += " by \(by)" }
                    if row.isLocked { line += " 🔒 locked" }
                    if let flight = row.inFlight { line += " (in flight: \(flight.deployID) \(flight.version))" }
                    return line
                }.joined(separator: "\n"))
        case .history(let environment, let service):
            let rows = try await LedgerQueries(pool: pool).history(
                HistoryFilter(environment: environment, service: service, limit: 10))
            guard !rows.isEmpty else { return .ephemeral("no deploys yet") }
            return .ephemeral(
                rows.map { "\($0.id) \($0.service) \($0.version) → \($0.environment): \($0.outcome.rawValue) (requested by \($0.requester))" }
                    .joined(separator: "\n"))
        case .show(let id):
            let (context, _, _) = try await ledger.deploy(id)
            guard let request = context.deploy.request else { throw LedgerError(.notFound, "unknown deploy \(id)") }
            let status = context.deploy.status.map { "\($0)" } ?? "requested"
            return .ephemeral(
                "\(id): \(request.service) \(request.version) → \(request.environment) [\(status)], requested by \(request.requestedBy.name) — \(gateLine(ledger.evaluate(context)))")
        case .lock(let environment, let words):
            // `lock prod web flaky tests` locks web when web runs on prod; otherwise all of prod.
            let services = Set(try await LedgerQueries(pool: pool).status(environment: environment).map(\.service))
            let service = words.count >= 2 && services.contains(words[0]) ? words[0] : nil
            let reason = (service == nil ? words : Array(words.dropFirst())).joined(separator: " ")
            try await ledger.run(
                .lock(environment: try Environment(environment), service: try service.map(ServiceName.init), reason: reason),
                signedWith: botKey, for: principal)
            return .inChannel("\(person) locked \(service.map { "\($0) on " } ?? "")\(environment): \(reason)")
        case .unlock(let environment, let service):
            try await ledger.run(
                .unlock(environment: try Environment(environment), service: try service.map(ServiceName.init), reason: nil),
                signedWith: botKey, for: principal)
            return .inChannel("\(person) unlocked \(service.map { "\($0) on " } ?? "")\(environment)")
        case .run(let id):
            guard let aws else { return .ephemeral(Self.noAWS) }
            let started = try await aws.runner.start(id, key: botKey, for: principal)
            await aws.background.finish(started, with: aws.runner, key: botKey)
            return .inChannel(
                "\(person) started \(id) on ECS: \(started.target.cluster)/\(started.target.ecsService) from "
                    + "\(ECSTaskDefinitionName.short(started.previousTaskDefinition)) to \(ECSTaskDefinitionName.short(started.taskDefinition))")
        case .rollback(let service, let environment, let reason):
            guard let aws else { return .ephemeral(Self.noAWS) }
            let id = try await aws.rollbacks.start(
                environment: try Environment(environment), service: try ServiceName(service), reason: reason, key: botKey,
                for: principal)
            await aws.background.carryOut(id)
            return .inChannel("\(person) is rolling back \(service) on \(environment) (\(id)): \(reason)")
        case .help:
            return .ephemeral(SlashCommand.helpText)
        }
    }

    static let noAWS = "this Shiplog server has no AWS settings: run it from the command line (shiplog deploy run / shiplog rollback)" 

    private func gateLine(_ gate: GateDecision) -> String {
        if gate.allowed { return "the gate is open (\(gate.approvals) of \(gate.required) approvals)" }
        // The gate's reasons already say how many approvals it has and needs.
        return gate.reasons.isEmpty ? "\(gate.approvals) of \(gate.required) approvals" : gate.reasons.joined(separator: "; ")
    }
}
