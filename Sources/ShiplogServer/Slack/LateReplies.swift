import Foundation
import Logging
import ServiceLifecycle
import ShiplogHTTP

/// Slash-command answers that took longer than the acknowledgement budget: the HTTP response
/// acknowledged the command with an empty 200, and the answer goes to the command's
/// `response_url` when it is ready (Slack accepts it there for 30 minutes, up to five times).
///
/// Also a service: at graceful shutdown it stops after the HTTP server (no new late answers)
/// and before the pool, and waits for the answers still being worked out and posted, so a
/// command acknowledged before SIGTERM is still answered.
public actor LateReplies: Service {
    private let http: HTTPClient
    private var pending: [UUID: Task<Void, Never>] = [:]
    private var drained: [CheckedContinuation<Void, Never>] = []

    public init(http: HTTPClient) { self.http = http }

    /// Posts `work`'s answer to `responseURL` once it is ready.
    func answer(_ work: Task<SlackReply, Never>, to responseURL: String, logger: Logger) {
        let id = UUID()
        let http = self.http
        pending[id] = Task.detached {
            let reply = await work.value
            do {
                let response = try await http.send(
                    HTTPRequest(
                        method: .post, url: responseURL, headers: [("Content-Type", "application/json")], body: reply.json,
                        timeout: .seconds(10)),
                    retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(200)))
                if response.status >= 300 {
                    logger.warning(
                        "Slack refused a late slash-command answer",
                        metadata: ["status": "\(response.status)", "body": "\(String(decoding: response.body.prefix(200), as: UTF8.self))"])
                }
            } catch {
                logger.warning("could not post a late slash-command answer to its response_url", metadata: ["error": "\(error)"])
            }
            await self.finished(id)
        }
    }

    private func finished(_ id: UUID) {
        pending[id] = nil
        if pending.isEmpty {
            for continuation in drained { continuation.resume() }
            drained = []
        }
    }

    /// How many answers are still being worked out or posted.
    public var count: Int { pending.count }

    /// Returns when no answer is pending.
    public func drain() async {
        if pending.isEmpty { return }
        await withCheckedContinuation { drained.append($0) }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await drain()
    }
}
