import Foundation

/// Where the PostgreSQL server programs are.
struct PostgresTools {
    var initdb: String
    var pgCtl: String
    var psql: String

    /// Looks in `$SHIPLOG_PG_BINDIR`, then Debian's `/usr/lib/postgresql/<newest>/bin`, then `PATH`.
    static func find(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresTools {
        var directories: [String] = []
        if let configured = environment["SHIPLOG_PG_BINDIR"], !configured.isEmpty { directories.append(configured) }
        let debian = "/usr/lib/postgresql"
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: debian) {
            directories += versions.compactMap(Int.init).sorted(by: >).map { "\(debian)/\($0)/bin" }
        }
        directories += (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for directory in directories {
            let initdb = "\(directory)/initdb", pgCtl = "\(directory)/pg_ctl", psql = "\(directory)/psql"
            if [initdb, pgCtl].allSatisfy(FileManager.default.isExecutableFile(atPath:)) {
                let client = FileManager.default.isExecutableFile(atPath: psql) ? psql : "psql"
                return PostgresTools(initdb: initdb, pgCtl: pgCtl, psql: client)
            }
        }
        throw EmbeddedPostgresError(
            "the PostgreSQL server programs (initdb, pg_ctl) were not found; install them with `apt-get install postgresql`, set SHIPLOG_PG_BINDIR, or set DATABASE_URL to use a server you run")
    }
}

/// Runs the server programs as the right user: ourselves, or `postgres` when we are root.
struct RunAs {
    /// nil: run as ourselves.
    var user: String?

    static func current(for cluster: EmbeddedPostgres) throws -> RunAs {
        guard geteuid() == 0 else { return RunAs(user: nil) }
        guard getpwnam("postgres") != nil else {
            throw EmbeddedPostgresError(
                "PostgreSQL refuses to run as root and there is no postgres user; install the postgresql package (it creates one) or run shiplog as another user")
        }
        return RunAs(user: "postgres")
    }

    /// Gives the cluster folder to the server's user and lets it reach the folder.
    func prepare(_ directory: URL) throws {
        guard let user, let entry = getpwnam(user) else { return }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        for case let relative as String in enumerator ?? NSEnumerator() {
            chown(directory.appending(path: relative).path, uid, gid)
        }
        chown(directory.path, uid, gid)
        chmod(directory.path, 0o700)
        // The server must be able to walk down to its folder (e.g. /root is 0700).
        var ancestor = directory.deletingLastPathComponent()
        while ancestor.path != "/" {
            var info = stat()
            if stat(ancestor.path, &info) == 0, info.st_mode & 0o001 == 0, info.st_uid != uid {
                chmod(ancestor.path, info.st_mode & 0o7777 | 0o001)
                FileHandle.standardError.write(
                    Data("shiplog: allowed other users to traverse (not list) \(ancestor.path) so the postgres user can reach the embedded database\n".utf8))
            }
            ancestor = ancestor.deletingLastPathComponent()
        }
    }

    func run(_ program: String, _ arguments: [String], failure: String) throws {
        let (status, output) = try execute(program, arguments)
        guard status == 0 else {
            let tail = output.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw EmbeddedPostgresError("\(failure): \(tail)")
        }
    }

    func output(_ program: String, _ arguments: [String]) throws -> String {
        let (status, output) = try execute(program, arguments)
        guard status == 0 else {
            throw EmbeddedPostgresError("\(URL(fileURLWithPath: program).lastPathComponent) failed: \(output)")
        }
        return output
    }

    private func execute(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        // From a folder every user may enter (env -C /), so a program run as postgres is not
        // started in one it cannot read.
        let command = ["/usr/bin/env", "-C", "/", program] + arguments
        let argv = user.map { ["/usr/sbin/runuser", "-u", $0, "--"] + command } ?? command
        return try ChildProcess.run(argv, environment: Self.environment)
    }

    /// Ours without the `PG*` variables, which libpq and the server programs would read as
    /// defaults: with PGPORT set, the server would listen on, and psql look for, another socket.
    static var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    }
}

/// Runs a program to completion with posix_spawn and collects its output (stdout and stderr).
///
/// Foundation's `Process.waitUntilExit` can miss a child's exit on Linux when called off the
/// main thread; spawning and `waitpid` directly cannot.
public enum ChildProcess {
    /// - Parameter environment: the child's whole environment; nil inherits ours.
    public static func run(_ argv: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else {
            throw EmbeddedPostgresError("could not create a pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var cEnvironment = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        var pid = pid_t()
        let spawned = cEnvironment.withUnsafeMutableBufferPointer { envp in
            argv[0].hasPrefix("/")
                ? posix_spawn(&pid, argv[0], &actions, nil, cArguments, envp.baseAddress)
                : posix_spawnp(&pid, argv[0], &actions, nil, cArguments, envp.baseAddress)
        }
        close(pipe[1])
        guard spawned == 0 else {
            close(pipe[0])
            throw EmbeddedPostgresError("could not run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipe[0], &chunk, chunk.count)
            if count > 0 {
                output += chunk[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(pipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, String(decoding: output, as: UTF8.self))
    }
}
