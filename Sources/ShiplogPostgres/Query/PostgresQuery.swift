/// A SQL statement whose values travel as binds, never as SQL text.
///
/// Built by string interpolation: every interpolated value becomes `$n`.
///
///     let query: PostgresQuery = "SELECT * FROM events WHERE stream = \(stream) LIMIT \(limit)"
///
/// SQL text that must be spliced in (an identifier chosen by the code, never by a user) needs
/// the explicitly unsafe spelling `\(unsafeRaw: "...")`.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    /// Text-format parameter values; nil is SQL NULL.
    public var binds: [String?]

    public init(unsafeSQL sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The SQL with its placeholders; bound values are never shown.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            binds.append(value?.postgresText)
            sql += "$\(binds.count)"
        }

        /// Splices SQL text in as is. Only for text the code controls.
        public mutating func appendInterpolation(unsafeRaw text: String) {
            sql += text
        }
    }
}
