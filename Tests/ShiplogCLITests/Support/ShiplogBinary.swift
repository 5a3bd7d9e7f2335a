import Foundation
import ShiplogTestSupport

/// What one run of the built `shiplog` binary did.
struct ShiplogRun: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// stdout parsed as one JSON document.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }

    func jsonObject() throws -> [String: Any] {
        guard let object = try json() as? [String: Any] else {
            throw TestDatabaseError("stdout is not a JSON object: \(stdout)")
        }
        return object
    }
}

/// Runs the real `shiplog` executable that `swift build --build-tests` put next to the tests.
struct ShiplogBinary: Sendable {
    /// The child's environment on top of ours, minus DATABASE_URL and SHIPLOG_HOME.
    var environment: [String: String]

    /// Against `database` through DATABASE_URL; SHIPLOG_HOME points nowhere, so a run that
    /// wrongly fell back to the embedded cluster fails instead of starting one.
    init(database: TestDatabase) {
        environment = [
            "DATABASE_URL": database.conninfo, "SHIPLOG_HOME": "/nonexistent/shiplog-home", "USER": "ci-runner",
        ]
    }

    init(environment: [String: String]) {
        self.environment = environment
    }

    func callAsFunction(_ arguments: String...) async throws -> ShiplogRun {
        try await run(arguments)
    }

    func run(_ arguments: [String]) async throws -> ShiplogRun {
        let argv = [try Self.executable()] + arguments
        let environment = self.environment
        return try await withCheckedThrowingContinuation { continuation in
            // waitpid blocks: keep it off the cooperative threads the other tests run on.
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.run(argv, environment: environment) })
            }
        }
    }

    /// Blocking, for cleanup that must run whatever happened.
    func runNow(_ arguments: String...) throws -> ShiplogRun {
        try Self.run([try Self.executable()] + arguments, environment: environment)
    }

    /// The `shiplog` executable in the build products folder holding this test bundle.
    static func executable() throws -> String { try TestProcesses.shiplogExecutable() }

    private static func run(_ argv: [String], environment extra: [String: String]) throws -> ShiplogRun {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        environment["SHIPLOG_HOME"] = nil
        environment.merge(extra) { $1 }

        let folder = FileManager.default.temporaryDirectory.appending(path: "shiplog-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdoutPath = folder.appending(path: "stdout").path, stderrPath = folder.appending(path: "stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else {
            throw TestDatabaseError("could not run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ShiplogRun(
            status: exitCode,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        )
    }
}
