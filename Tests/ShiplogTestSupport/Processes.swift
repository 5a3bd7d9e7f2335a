import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What tests that run the real `shiplog` binary need.
public enum TestProcesses {
    /// The `shiplog` executable built beside the test bundle.
    public static func shiplogExecutable() throws -> String {
        let starts = [
            CommandLine.arguments.first.map { URL(fileURLWithPath: $0) }, Bundle.main.executableURL, Bundle.main.bundleURL,
        ]
        for start in starts.compactMap({ $0?.resolvingSymlinksInPath() }) {
            var folder = start.deletingLastPathComponent()
            for _ in 0..<6 {
                let candidate = folder.appending(path: "shiplog").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate)
                {
                    return candidate
                }
                folder.deleteLastPathComponent()
            }
        }
        throw TestDatabaseError(
            "the shiplog executable was not found near the test bundle (\(CommandLine.arguments.first ?? "?")); build it with: swift build --build-tests")
    }

    /// Starts the real `shiplog serve` on `port` with `settings` over this process's
    /// environment (no `SHIPLOG_HOME` of the machine's: the tests give the database).
    public static func serve(port: Int, _ settings: [String: String]) throws -> Process {
        try start(["serve", "--port", String(port)], settings)
    }

    /// Starts the real `shiplog` with `arguments` in the background (a witness, a server).
    public static func start(_ arguments: [String], _ settings: [String: String] = [:]) throws -> Process {
        var environment = ProcessInfo.processInfo.environment
        environment["SHIPLOG_HOME"] = "/nonexistent/shiplog-home"
        environment.merge(settings) { $1 }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try shiplogExecutable())
        server.arguments = arguments
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        return server
    }

    /// A loopback TCP port nobody listens on now.
    public static func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
