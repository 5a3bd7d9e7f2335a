import Foundation
import ShiplogCore
import ShiplogCrypto
import ShiplogHTTP
import ShiplogPostgres

/// The ledger through a Shiplog server's `/v1` API (`SHIPLOG_URL`, `SHIPLOG_TOKEN`).
///
/// Commands are signed here with the person's own key and sent whole
/// (`POST /v1/commands`): the server decides them with the domain and records them as that
/// person's; the token only opens the door. Reads come back as the same reports
/// `DirectLedgerClient` builds. A refusal is raised as the ledger's own `LedgerError`, so
/// messages and exit codes are those of the CLI on the database.
public struct HTTPLedgerClient: LedgerClient {
    /// The server's base URL, without a trailing slash (`https://shiplog.example.com`).
    public let baseURL: String
    let token: String
    let http: HTTPClient
    let clock: @Sendable () -> Date

    public init(
        url: String, token: String, http: HTTPClient = HTTPClient(maxConcurrentTransfers: 4, label: "shiplog.api"),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.token = token
        self.http = http
        self.clock = clock
    }

    // MARK: Commands

    @discardableResult
    public func submit(_ signed: SignedIntent) async throws -> CommandReceipt {
        try await send(.post, "/v1/commands", body: try ReportJSON.encode(signed))
    }

    public func sign(_ command: LedgerCommand, with key: SigningKey, for principal: Principal) throws -> SignedIntent {
        try SignedIntent(
            CommandIntent(signer: try SignerKeyID(key.keyID.description), principal: principal, at: clock(), command: command),
            signedWith: key)
    }

    public func approve(_ id: String, key: SigningKey, for principal: Principal) async throws {
        let terms: ApprovalTerms = try await send(.get, "/v1/deploys/\(Self.escaped(id))/approval")
        // Sign what was asked for, and nothing else: the terms name this deploy.
        guard terms.deployID == id else {
            throw APIClientError(kind: .failure, "the server answered with the terms of deploy \(terms.deployID), not \(id): nothing was signed")
        }
        try await submit(try SignedIntent(approving: terms, at: clock(), key: key, for: principal))
    }

    // MARK: Reads

    public func deployReport(_ id: String) async throws -> DeployReport {
        try await send(.get, "/v1/deploys/\(Self.escaped(id))")
    }

    public func gateReport(_ id: String) async throws -> GateReport {
        try await send(.get, "/v1/deploys/\(Self.escaped(id))/gate")
    }

    public func status(environment: String?) async throws -> [ServiceStatus] {
        try await send(.get, "/v1/status" + Self.query(["env": environment]))
    }

    public func history(_ filter: HistoryFilter) async throws -> [HistoryRow] {
        try await send(
            .get,
            "/v1/history"
                + Self.query([
                    "env": filter.environment, "service": filter.service, "actor": filter.actor,
                    "since": filter.since.map(Timestamps.iso8601), "until": filter.until.map(Timestamps.iso8601),
                    "outcome": filter.outcome?.rawValue, "limit": String(filter.limit),
                ]))
    }

    public func audit(actor: String, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await send(
            .get, "/v1/audit" + Self.query(["actor": actor, "since": since.map(Timestamps.iso8601), "limit": String(limit)]))
    }

    public func metrics(environment: String?, since: Date) async throws -> [EnvironmentMetrics] {
        try await send(.get, "/v1/metrics" + Self.query(["env": environment, "since": Timestamps.iso8601(since)]))
    }

    // MARK: Plumbing

    /// One exchange: a JSON answer decoded, or the server's error raised.
    private func send<Answer: Decodable>(_ method: ShiplogHTTP.HTTPMethod, _ path: String, body: Data? = nil) async throws
        -> Answer
    {
        var headers = [(name: "Authorization", value: "Bearer \(token)"), (name: "Accept", value: "application/json")]
        if body != nil { headers.append((name: "Content-Type", value: "application/json")) }
        let response: ShiplogHTTP.HTTPResponse
        do {
            // A command is signed once with its own id: sent again, it lands once.
            response = try await http.send(
                ShiplogHTTP.HTTPRequest(method: method, url: baseURL + path, headers: headers, body: body.map { Array($0) } ?? []))
        } catch let error as ShiplogHTTP.HTTPError {
            throw APIClientError(
                kind: .unavailable,
                "cannot reach the Shiplog server at SHIPLOG_URL (\(error.code)): check the URL and that shiplog serve runs there")
        }
        guard (200..<300).contains(response.status) else { throw Self.error(from: response) }
        do {
            return try ReportJSON.decoder().decode(Answer.self, from: Data(response.body))
        } catch {
            throw APIClientError(
                kind: .failure,
                "the server's answer to \(method) \(path.split(separator: "?").first ?? "") cannot be read (\(error)): is SHIPLOG_URL a Shiplog server of this version?")
        }
    }

    /// The server's error, as the ledger's own error when it is one.
    static func error(from response: ShiplogHTTP.HTTPResponse) -> any Error {
        guard let document = try? JSONDecoder().decode(APIErrorDocument.self, from: Data(response.body)) else {
            return APIClientError(
                kind: response.status >= 500 ? .unavailable : .failure,
                "the server answered HTTP \(response.status) without a Shiplog error: is SHIPLOG_URL a Shiplog server?")
        }
        if let code = LedgerError.Code(rawValue: document.error.code) {
            return LedgerError(code, document.error.message)
        }
        let kind = APIErrorDocument.DoorCode(rawValue: document.error.code)?.kind ?? .failure
        return APIClientError(kind: kind, document.error.message)
    }

    /// `?a=1&b=2` of the values given (nil ones left out), percent-encoded.
    static func query(_ items: KeyValuePairs<String, String?>) -> String {
        let parts = items.compactMap { name, value in value.map { "\(name)=\(escaped($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static func escaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
