import Foundation
import ShiplogCrypto
import ShiplogPostgres

/// A real `shiplog serve` as a child process for a benchmark: on `pool`'s database, with `key`
/// as its key (written to a private temporary folder), `settings` on top of this process's
/// environment, its output discarded.
struct BenchServer {
    let process: Process
    let directory: String

    static func start(port: Int, pool: PostgresPool, key: SigningKey, settings: [String: String] = [:]) async throws -> BenchServer {
        let directory = FileManager.default.temporaryDirectory.appending(path: "shiplog-bench-serve-\(getpid())-\(port)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try KeyFile.write(key, to: directory + "/server.key", overwrite: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BenchLedger.executablePath())
        process.arguments = ["serve", "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try await pool.configuration.connectionString
        environment["SHIPLOG_BOT_KEY"] = directory + "/server.key"
        environment.merge(settings) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return BenchServer(process: process, directory: directory)
    }

    /// SIGTERM, wait for the graceful shutdown, and remove the key.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
