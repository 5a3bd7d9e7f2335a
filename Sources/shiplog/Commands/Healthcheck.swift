import ArgumentParser
import Foundation
import ShiplogHTTP

/// `shiplog healthcheck`: asks a running server's `/healthz`, for a container's `HEALTHCHECK`
/// (the runtime image has no curl; the binary has libcurl).
struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when the server answers GET /healthz with 200, else 1 (for container health checks).")

    @Option(help: "The address to ask (default: http://127.0.0.1:$PORT/healthz, PORT 8080).") var url: String?
    @Option(
        parsing: .unconditional, help: "Seconds to wait for the answer.", transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
    var timeout = 3

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["PORT"].flatMap(Int.init) ?? 8080
        let address = url ?? "http://127.0.0.1:\(port)/healthz"
        do {
            let response = try await HTTPClient(maxConcurrentTransfers: 1, label: "shiplog.healthcheck").send(
                HTTPRequest(url: address, timeout: .seconds(timeout), connectTimeout: .seconds(timeout)), retry: .never)
            guard response.status == 200 else {
                print("unhealthy: \(address) answered \(response.status)")
                throw ExitCode(1)
            }
            print("healthy: \(address)")
        } catch let error as ShiplogHTTP.HTTPError {
            print("unhealthy: \(address): \(error.code)")
            throw ExitCode(1)
        }
    }
}
