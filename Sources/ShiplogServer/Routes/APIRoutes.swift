import Foundation
import Hummingbird
import ShiplogCore
import ShiplogCrypto
import ShiplogLedger
import ShiplogPostgres

/// The `/v1` JSON API for pipelines and for the CLI through the server (`SHIPLOG_URL`),
/// described by `openapi/shiplog-v1.json`, served at `GET /v1/openapi.json`.
///
/// Every route but the document takes an API token (`APITokenMiddleware`). Two kinds of
/// writes, both decided by the domain, never appended as a client built them:
/// - a pipeline's, with only its token (`POST /v1/builds`, `/v1/deploys`, ...): the server
///   builds the command and signs it with its own key on behalf of the token
///   (`Principal.token`), so it is recorded as `token-NAME`, within the token's scopes and
///   environments;
/// - a person's, signed with their own key by the CLI (`POST /v1/commands`): recorded as
///   theirs. Only this way, or from Slack, is a deploy approved: a token never approves.
struct APIRoutes {
    let client: DirectLedgerClient
    /// Signs for API tokens (the bot key); without it a token alone cannot write (503).
    let serverKey: SigningKey?
    let tokens: APITokenMiddleware
    let clock: @Sendable () -> Date

    static let maximumBody = 64 * 1024

    func add(to router: Router<ShiplogRequestContext>) {
        router.get("v1/openapi.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: EmbeddedDocuments.openAPI)))
        }
        let v1 = router.group("v1").add(middleware: APIErrorMiddleware()).add(middleware: tokens)
            .group(context: APIRequestContext.self)

        v1.post("commands") { request, context -> Response in
            let signed = try await APIBodies.decode(SignedIntent.self, from: request)
            guard signed.intent.principal == .signer else {
                throw APIError(
                    .forbidden, .forbidden,
                    "a command sent to the API is signed by a person for themselves: only the server signs for Slack users and tokens")
            }
            try await checkEnvironment(of: signed.intent.command, for: context.token)
            let receipt = try await client.submit(signed)
            return try Self.json(receipt.duplicate ? .ok : .created, receipt)
        }

        v1.post("builds") { request, context -> Response in
            let body = try await APIBodies.decode(APIBodies.Build.self, from: request)
            let command = LedgerCommand.recordBuild(
                service: try APIBodies.field("service") { try ServiceName(body.service) },
                version: try APIBodies.field("version") { try ServiceVersion(body.version) },
                artifact: try APIBodies.field("artifact") { try ArtifactDigest(body.artifact) }, commit: body.commit,
                taskDefinition: body.taskDefinition)
            return try Self.json(.created, try await act(command, for: context.token))
        }

        v1.post("migrations") { request, context -> Response in
            let body = try await APIBodies.decode(APIBodies.Migration.self, from: request)
            let environment = try APIBodies.field("environment") { try Environment(body.environment) }
            let name = try APIBodies.field("name") { try MigrationName(body.name) }
            let checksum = try APIBodies.field("checksum") { try MigrationChecksum(body.checksum) }
            let service = try APIBodies.field("service") { try body.service.map(ServiceName.init) }
            let command: LedgerCommand =
                body.failed == true
                ? .recordMigrationFailed(environment: environment, name: name, checksum: checksum, service: service, error: body.error)
                : .recordMigrationApplied(environment: environment, name: name, checksum: checksum, service: service)
            return try Self.json(.created, try await act(command, for: context.token))
        }

        v1.post("deploys") { request, context -> Response in
            let body = try await APIBodies.decode(APIBodies.DeployRequest.self, from: request)
            let id = try DeployID(shortID: LedgerService.newShortID())
            let command = LedgerCommand.requestDeploy(
                id: id, service: try APIBodies.field("service") { try ServiceName(body.service) },
                environment: try APIBodies.field("environment") { try Environment(body.environment) },
                version: try APIBodies.field("version") { try ServiceVersion(body.version) },
                artifact: try APIBodies.field("artifact") { try body.artifact.map(ArtifactDigest.init) }, reason: body.reason,
                allowUnrecorded: body.allowUnrecorded ?? false)
            let receipt = try await act(command, for: context.token)
            return try Self.json(.created, APIBodies.DeployCreated(id: id.rawValue, receipt: receipt))
        }

        v1.get("deploys/:id") { _, context -> Response in
            try Self.json(.ok, try await client.deployReport(try Self.deployID(context)))
        }
        v1.get("deploys/:id/gate") { _, context -> Response in
            try Self.json(.ok, try await client.gateReport(try Self.deployID(context)))
        }
        v1.get("deploys/:id/approval") { _, context -> Response in
            try Self.json(.ok, try await client.ledger.approvalTerms(try Self.deployID(context)))
        }
        v1.post("deploys/:id/approve") { _, context -> Response in
            throw APIError(
                .forbidden, .forbidden,
                "an API token never approves: approve deploy \(try Self.deployID(context)) with your own key (shiplog deploy approve, through this server with SHIPLOG_URL) or in Slack")
        }
        v1.post("deploys/:id/start") { _, context -> Response in
            try Self.json(.ok, try await act(.startDeploy(id: try DeployID(try Self.deployID(context)), breakGlassReason: nil), for: context.token))
        }
        v1.post("deploys/:id/succeed") { _, context -> Response in
            try Self.json(.ok, try await act(.succeedDeploy(id: try DeployID(try Self.deployID(context))), for: context.token))
        }
        v1.post("deploys/:id/fail") { request, context -> Response in
            let reason = try await Self.optionalReason(request)
            return try Self.json(
                .ok, try await act(.failDeploy(id: try DeployID(try Self.deployID(context)), reason: reason), for: context.token))
        }
        v1.post("deploys/:id/cancel") { request, context -> Response in
            let reason = try await Self.optionalReason(request)
            return try Self.json(
                .ok, try await act(.cancelDeploy(id: try DeployID(try Self.deployID(context)), reason: reason), for: context.token))
        }

        v1.get("status") { request, _ -> Response in
            try Self.json(.ok, try await client.status(environment: request.uri.queryParameters["env"].map(String.init)))
        }
        v1.get("history") { request, _ -> Response in
            let query = request.uri.queryParameters
            var filter = HistoryFilter(
                environment: query["env"].map(String.init), service: query["service"].map(String.init),
                actor: query["actor"].map(String.init), since: try Self.time(query, "since"), until: try Self.time(query, "until"),
                limit: try Self.limit(query, default: 50))
            if let outcome = query["outcome"] {
                guard let known = HistoryOutcome(rawValue: String(outcome)) else {
                    throw APIError(
                        .badRequest, .badRequest,
                        "parameter 'outcome': unknown outcome '\(outcome)'; one of: \(HistoryOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.outcome = known
            }
            return try Self.json(.ok, try await client.history(filter))
        }
        v1.get("audit") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let actor = query["actor"], !actor.isEmpty else {
                throw APIError(.badRequest, .badRequest, "parameter 'actor' is required: the person's enrolled name")
            }
            return try Self.json(
                .ok,
                try await client.audit(actor: String(actor), since: try Self.time(query, "since"), limit: try Self.limit(query, default: 200)))
        }
        v1.get("metrics") { request, _ -> Response in
            let query = request.uri.queryParameters
            return try Self.json(
                .ok,
                try await client.metrics(
                    environment: query["env"].map(String.init),
                    since: try Self.time(query, "since") ?? clock().addingTimeInterval(-30 * 86_400)))
        }
    }

    /// Decides `command` for the token: signed by the server's key on its behalf, judged by
    /// the domain (its scopes, its environments) like any command.
    func act(_ command: LedgerCommand, for token: TokenRegistry.Token) async throws -> CommandReceipt {
        guard let serverKey else {
            throw APIError(
                .serviceUnavailable, .unavailable,
                "this server has no key to sign for API tokens: set SHIPLOG_BOT_KEY (a key enrolled with shiplog approvers add NAME --slack-bot)")
        }
        try await checkEnvironment(of: command, for: token)
        return try await client.submit(try client.ledger.sign(command, with: serverKey, for: .token(token.id)))
    }

    /// A token limited to some environments opens the door to those only, whoever signed.
    func checkEnvironment(of command: LedgerCommand, for token: TokenRegistry.Token) async throws {
        guard let allowed = token.environments, let environment = try await client.ledger.environment(of: command),
            !allowed.contains(environment)
        else { return }
        throw APIError(
            .forbidden, .forbidden,
            "API token \(token.id) may act on \(allowed.map(\.rawValue).joined(separator: ", ")) only, not \(environment)")
    }

    static func deployID(_ context: APIRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        _ = try APIBodies.field("id") { try DeployID(id) }
        return id
    }

    /// `{"reason": "..."}`, or no body at all.
    static func optionalReason(_ request: Request) async throws -> String? {
        var request = request
        let buffer = try await request.collectBody(upTo: maximumBody)
        guard buffer.readableBytes > 0 else { return nil }
        return try await APIBodies.decode(APIBodies.Reason.self, from: request).reason
    }

    static func time(_ query: Parameters, _ name: String) throws -> Date? {
        guard let text = query[Substring(name)] else { return nil }
        guard let date = Timestamps.parse(String(text)) else {
            throw APIError(.badRequest, .badRequest, "parameter '\(name)' must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z")
        }
        return date
    }

    static func limit(_ query: Parameters, default value: Int) throws -> Int {
        guard let text = query["limit"] else { return value }
        guard let limit = Int(text), limit >= 1, limit <= 10_000 else {
            throw APIError(.badRequest, .badRequest, "parameter 'limit' must be a whole number from 1 to 10000")
        }
        return limit
    }

    static func json<Value: Encodable>(_ status: HTTPResponse.Status, _ value: Value) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: try ReportJSON.encode(value))))
    }
}
