import Foundation

/// A private PostgreSQL cluster that Shiplog runs itself when no database URL is given.
///
/// It lives in `$SHIPLOG_HOME/postgres` (default `~/.local/share/shiplog`), is created with
/// initdb on first use and reused afterwards, listens only on a Unix socket in that folder
/// (no TCP port), and trusts local connections, which the folder's 0700 mode limits to its
/// owner. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
///
/// The user's `PG*` variables (PGPORT, PGHOST, PGUSER, PGDATABASE, ...) are for their own
/// servers: the cluster's programs run without them, and the connection string names every
/// setting they would otherwise fill in.
public struct EmbeddedPostgres: Sendable {
    public let home: URL
    public var clusterDirectory: URL { home.appending(path: "postgres") }
    public var dataDirectory: URL { clusterDirectory.appending(path: "data") }
    public var socketDirectory: URL { clusterDirectory.appending(path: "run") }
    public var logFile: URL { clusterDirectory.appending(path: "server.log") }
    public static let databaseName = "shiplog"
    static let superuser = "shiplog"
    /// Names the socket file (`.s.PGSQL.5432`); nothing listens on a TCP port.
    static let port = 5432

    public init(home: URL) {
        self.home = home
    }

    /// `$SHIPLOG_HOME`, else `~/.local/share/shiplog`.
    public static func defaultHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["SHIPLOG_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        let user = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return user.appending(path: ".local/share/shiplog")
    }

    /// How to reach the running cluster.
    public var configuration: PostgresConfiguration {
        get throws {
            // hostaddr='' so that PGHOSTADDR cannot send us over TCP to another server.
            try PostgresConfiguration(
                "host=\(Self.quote(socketDirectory.path)) hostaddr='' port=\(Self.port) user=\(Self.superuser) dbname=\(Self.databaseName)"
            )
        }
    }

    public struct Status: Sendable, Codable {
        public var initialized: Bool
        public var running: Bool
        public var dataDirectory: String
        public var socketDirectory: String
        public var logFile: String
        public var pid: Int?
    }

    public func status() -> Status {
        let pidFile = dataDirectory.appending(path: "postmaster.pid")
        let pid = (try? String(contentsOf: pidFile, encoding: .utf8))?.split(separator: "\n").first.flatMap { Int($0) }
        let running = pid.map { kill(pid_t($0), 0) == 0 || errno == EPERM } ?? false
        return Status(
            initialized: FileManager.default.fileExists(atPath: dataDirectory.appending(path: "PG_VERSION").path),
            running: running, dataDirectory: dataDirectory.path, socketDirectory: socketDirectory.path,
            logFile: logFile.path, pid: running ? pid : nil)
    }

    /// Creates the cluster if needed, starts it if stopped, and returns how to connect.
    /// Safe to call from several processes at once: they take turns on a lock file.
    @discardableResult
    public func start() throws -> PostgresConfiguration {
        try FileManager.default.createDirectory(at: clusterDirectory, withIntermediateDirectories: true)
        return try withLock {
            // The common case, a running cluster, costs no subprocess.
            let current = status()
            if current.initialized && current.running { return try configuration }
            let tools = try PostgresTools.find()
            let runAs = try RunAs.current(for: self)
            if !current.initialized {
                try initialize(tools: tools, runAs: runAs)
            }
            try runAs.run(
                tools.pgCtl,
                ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "-s", "start"],
                failure: "could not start the embedded PostgreSQL (log: \(logFile.path))")
            try createDatabaseIfMissing(tools: tools, runAs: runAs)
            return try configuration
        }
    }

    /// Stops the cluster if it runs (fast shutdown: open sessions are ended, nothing is lost).
    public func stop() throws {
        guard status().running else { return }
        let tools = try PostgresTools.find()
        try withLock {
            try RunAs.current(for: self).run(
                tools.pgCtl, ["-D", dataDirectory.path, "-m", "fast", "-w", "-s", "stop"],
                failure: "could not stop the embedded PostgreSQL (log: \(logFile.path))")
        }
    }

    private func initialize(tools: PostgresTools, runAs: RunAs) throws {
        try? FileManager.default.removeItem(at: dataDirectory)
        try FileManager.default.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        try runAs.prepare(clusterDirectory)
        try runAs.run(
            tools.initdb,
            ["-D", dataDirectory.path, "-U", Self.superuser, "-E", "UTF8", "--locale=C", "--auth=trust", "-N"],
            failure: "could not create the embedded PostgreSQL cluster with initdb")
        // Unix socket only, in our own folder; nothing listens on the network.
        let settings = """

            # Written by shiplog: a private cluster reached through a Unix socket only.
            listen_addresses = ''
            port = \(Self.port)
            unix_socket_directories = '\(socketDirectory.path.replacingOccurrences(of: "'", with: "''"))'
            unix_socket_permissions = 0700
            max_connections = 100

            """
        let configFile = dataDirectory.appending(path: "postgresql.conf")
        let handle = try FileHandle(forWritingTo: configFile)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
    }

    private func createDatabaseIfMissing(tools: PostgresTools, runAs: RunAs) throws {
        let check = try runAs.output(
            tools.psql,
            ["-h", socketDirectory.path, "-p", String(Self.port), "-U", Self.superuser, "-d", "postgres", "-tAc",
             "SELECT 1 FROM pg_database WHERE datname = '\(Self.databaseName)'"])
        if check.trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
            try runAs.run(
                tools.psql,
                ["-h", socketDirectory.path, "-p", String(Self.port), "-U", Self.superuser, "-d", "postgres", "-qc",
                 "CREATE DATABASE \(Self.databaseName)"],
                failure: "could not create the shiplog database in the embedded PostgreSQL")
        }
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        let path = clusterDirectory.appending(path: "shiplog.lock").path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else {
            throw EmbeddedPostgresError("could not open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw EmbeddedPostgresError("could not lock \(path): \(String(cString: strerror(errno)))")
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}

/// The embedded cluster could not be created, started or stopped.
public struct EmbeddedPostgresError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
