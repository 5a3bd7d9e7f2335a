/// A failure talking to PostgreSQL. Its description says what happened and what to do, and
/// never contains bound values, passwords or the full connection string.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The connection string could not be parsed.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The server could not be reached or refused the connection.
        public static let connectionFailed = Code("connectionFailed")
        /// The connection broke while in use.
        public static let connectionClosed = Code("connectionClosed")
        /// The server answered a statement with an error (see `sqlState`).
        public static let server = Code("server")
        /// A column could not be decoded as the requested Swift type.
        public static let decoding = Code("decoding")
        public var description: String { name }
    }

    public var code: Code
    /// The five-character SQLSTATE for server errors (e.g. `23505`, or Shiplog's own `SL001`).
    public var sqlState: String?
    /// The server's primary message, or ours.
    public var message: String
    /// The server's DETAIL. Kept out of `description`: it can quote row values.
    public var detail: String?
    public var hint: String?
    public var file: String
    public var line: Int

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let hint, !hint.isEmpty {
            text += "; \(hint)"
        } else if let advice {
            text += "; \(advice)"
        }
        return text
    }

    /// What happened and what to do, for server errors whose own message says neither.
    var advice: String? {
        switch sqlState {
        case "55P03":
            "gave up waiting for a lock another transaction held (an append waits for the log's head row, which each append holds until it commits); the transaction was rolled back, so nothing of it was written: run the command again, and if it keeps timing out, find the session holding the lock (pg_stat_activity: a long-running statement, or a session idle in transaction) and end it"
        case "57014" where message.contains("statement timeout"):
            "the statement ran longer than the statement_timeout of this session or role; the transaction was rolled back, so nothing of it was written: run the command again, and if it keeps timing out, raise statement_timeout for the role (ALTER ROLE ... SET statement_timeout)"
        default:
            nil
        }
    }

    /// True when the server gave up waiting: a lock timeout (`55P03`) or a statement timeout
    /// or cancel (`57014`). Retrying at once usually meets the same wait.
    public var isTimeout: Bool {
        sqlState == "55P03" || sqlState == "57014"
    }

    /// True when retrying on a fresh connection may succeed.
    public var isConnectionProblem: Bool {
        code == .connectionFailed || code == .connectionClosed || (sqlState?.hasPrefix("08") ?? false)
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }
}
