import CLibPQ
import Foundation

/// Where to connect: a `postgresql://` URL or a libpq `key=value` string, validated by libpq
/// itself before any connection is tried.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// The connection string as given. Never print it: it may hold a password.
    public let connectionString: String
    /// `host:port/dbname`, safe to show.
    public let description: String
    /// The parsed keywords (password included: never shown).
    private let options: [String: String]

    public init(_ connectionString: String) throws {
        let trimmed = connectionString.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw PostgresError(
                code: .invalidConfiguration,
                message: "the database URL is empty; set DATABASE_URL to postgresql://USER@HOST:PORT/DBNAME, or unset it to use the embedded database")
        }
        // A URL starts with its scheme; a key=value string (whose password may hold "://") does not.
        if let range = trimmed.range(of: "://"),
            case let scheme = trimmed[..<range.lowerBound],
            !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) })
        {
            guard scheme == "postgres" || scheme == "postgresql" else {
                throw PostgresError(
                    code: .invalidConfiguration,
                    message: "malformed database URL: scheme '\(scheme)' is not postgresql; expected postgresql://USER@HOST:PORT/DBNAME")
            }
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(trimmed, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
                ?? "libpq could not parse it"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                code: .invalidConfiguration,
                message: "malformed database URL: \(Self.scrub(reason)); expected postgresql://USER@HOST:PORT/DBNAME")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        // libpq checks ports only when it connects, and then blames the server.
        for port in values["port"]?.split(separator: ",", omittingEmptySubsequences: false) ?? [] {
            guard let number = Int(port), (1...65_535).contains(number) else {
                throw PostgresError(
                    code: .invalidConfiguration,
                    message: "malformed database URL: port '\(port)' is not a number from 1 to 65535; expected postgresql://USER@HOST:PORT/DBNAME")
            }
        }
        let host = values["host"] ?? values["hostaddr"] ?? "localhost"
        let port = values["port"] ?? "5432"
        let database = values["dbname"] ?? values["user"] ?? "(default)"
        self.connectionString = trimmed
        self.options = values
        self.description = host.hasPrefix("/") ? "\(host)/\(database)" : "\(host):\(port)/\(database)"
    }

    /// The same server and credentials, another database (benchmarks and tests use scratch ones).
    public func replacingDatabase(with name: String) throws -> PostgresConfiguration {
        var options = self.options
        options["dbname"] = name
        let conninfo = options.sorted { $0.key < $1.key }.map { key, value in
            "\(key)='\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'"
        }
        return try PostgresConfiguration(conninfo.joined(separator: " "))
    }

    /// libpq quotes the offending text in some parse errors; keep only the first sentence's shape.
    private static func scrub(_ reason: String) -> String {
        reason.contains("password") ? "the URL could not be parsed" : reason
    }
}
