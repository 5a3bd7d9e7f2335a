import Foundation
import Logging
import Metrics
import ServiceLifecycle
import ShiplogCore
import ShiplogLedger
import ShiplogPostgres
import ShiplogSlack

/// Delivers the outbox to Slack for as long as the server runs. For each due row, oldest
/// first: it judges that the event counts (a row whose event does not count is skipped, never
/// posted), renders the message from the ledger as it stands (a deploy's one message, posted
/// once and then updated in place; a lock's notice), and sends it. Slack down, rate limited
/// or unreachable: the row waits (exponential backoff with jitter, or Slack's `Retry-After`)
/// and is sent again. A permanent refusal (`channel_not_found`, a bad token, a webhook's 4xx)
/// is recorded and shown (`shiplog outbox list --failed`, `/metrics`), never retried. At
/// graceful shutdown the row in hand is finished; the rest wait for the next start.
public struct OutboxWorker: Service {
    let store: OutboxStore
    let ledger: LedgerService
    /// Reads a lock's stream whole (no snapshot: the notice needs the event at its position).
    let events: EventStore
    let delivery: SlackDelivery
    let channel: String?
    let pollInterval: Duration
    let logger: Logger
    let backoff = RetryBackoff()

    init(
        store: OutboxStore, ledger: LedgerService, events: EventStore, delivery: SlackDelivery, channel: String?,
        pollInterval: Duration = .milliseconds(200), logger: Logger = Logger(label: "shiplog.outbox")
    ) {
        self.store = store
        self.ledger = ledger
        self.events = events
        self.delivery = delivery
        self.channel = channel
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var worked = false
            do {
                let due = try await store.claimDue()
                for (index, entry) in due.enumerated() {
                    worked = true
                    // A deploy's message shows the deploy as it stands: a later row for the same
                    // deploy in hand says it all, so this one needs no message of its own.
                    if !entry.eventType.hasPrefix("Environment"),
                        due[(index + 1)...].contains(where: { $0.subject == entry.subject && !$0.eventType.hasPrefix("Environment") })
                    {
                        try await store.delivered(entry.id)
                        continue
                    }
                    await deliver(entry)
                    if Task.isShuttingDownGracefully { break }
                }
                let depth = try await store.depth()
                Gauge(label: "shiplog_outbox_pending").record(depth.pending)
                Gauge(label: "shiplog_outbox_failed").record(depth.failed)
            } catch {
                logger.error("the outbox could not be read; trying again", metadata: ["error": "\(error)"])
            }
            if !worked { try? await Task.sleep(for: pollInterval) }
        }
    }

    /// One row, to its end for this attempt.
    func deliver(_ entry: OutboxEntry) async {
        var logger = self.logger
        logger[metadataKey: "outbox"] = "\(entry.id) \(entry.eventType) \(entry.subject)"
        do {
            guard let message = try await render(entry) else { return }
            let outcome = try await send(message, for: entry)
            switch outcome {
            case .delivered(let ts):
                if let ts, let channel, message.updatable { try await store.recordMessage(subject: entry.subject, channel: channel, ts: ts) }
                try await store.delivered(entry.id)
                Counter(label: "shiplog_outbox_delivered_total").increment()
            case .retry(let reason, let after):
                let delay = after ?? backoff.delay(afterAttempt: entry.attempts + 1)
                logger.notice("Slack did not take a message; trying again", metadata: ["reason": "\(reason)", "in": "\(delay) s"])
                try await store.retry(entry.id, error: reason, after: delay)
            case .permanent(let reason):
                logger.error("Slack refused a message for good; it is recorded, not retried", metadata: ["reason": "\(reason)"])
                try await store.failed(entry.id, error: reason)
                Counter(label: "shiplog_outbox_failures_total").increment()
            }
        } catch {
            logger.error("a message could not be prepared; trying again", metadata: ["error": "\(error)"])
            try? await store.retry(entry.id, error: "\(error)", after: backoff.delay(afterAttempt: entry.attempts + 1))
        }
    }

    struct Message {
        var text: String
        var approval: ApprovalMessage?
        /// A deploy's message is one message, updated as the deploy goes.
        var updatable: Bool { approval != nil }
    }

    /// The message the row stands for, or nil when it is skipped (its event does not count).
    private func render(_ entry: OutboxEntry) async throws -> Message? {
        if entry.eventType.hasPrefix("Environment") {
            return try await lockNotice(entry)
        }
        let deploy: (context: Deploy.Context, events: [LedgerEvent], skipped: [LoadedStreams.Skipped])
        do {
            deploy = try await ledger.deploy(entry.subject)
        } catch let error as LedgerError where error.code == .notFound || error.code == .invalidValue {
            try await store.skipped(entry.id, reason: "no such deploy: \(error.message)")
            return nil
        }
        if let skipped = deploy.skipped.first(where: { $0.position == entry.position }) {
            try await store.skipped(entry.id, reason: "its event does not count: \(skipped.reason)")
            return nil
        }
        let gate = ledger.evaluate(deploy.context, at: deploy.context.deploy.started?.startedAt)
        let approval = ApprovalMessage(deploy.context, gate: gate)
        return Message(text: approval.text, approval: approval)
    }

    private func lockNotice(_ entry: OutboxEntry) async throws -> Message? {
        let parts = entry.subject.split(separator: "/", maxSplits: 1).map(String.init)
        let environment: Environment, service: ServiceName?
        do {
            environment = try Environment(parts.first ?? "")
            service = try parts.count > 1 ? ServiceName(parts[1]) : nil
        } catch {
            try await store.skipped(entry.id, reason: "a lock on no environment or service: \(error)")
            return nil
        }
        let stream = EnvironmentLocks.stream(environment: environment, service: service)
        let loaded = try await LedgerStore(events: events).load([stream])
        let recorded = try await events.read(fromPosition: entry.position, limit: 1)
        guard loaded.counted.contains(entry.position), let row = recorded.first, row.position == entry.position,
            let event = try? LedgerEvent.decode(type: row.type, payloadJSON: row.payload)
        else {
            try await store.skipped(entry.id, reason: "its event does not count")
            return nil
        }
        let actor = event.actor?.name.rawValue ?? "someone"
        return Message(text: "\(event.type == "EnvironmentLocked" ? "🔒" : "🔓") \(actor) \(event.summary)", approval: nil)
    }

    private func send(_ message: Message, for entry: OutboxEntry) async throws -> SlackDelivery.Outcome {
        guard delivery.token != nil, let channel else { return await delivery.webhook(text: message.text) }
        let metadata: [String: Any] = [
            "event_type": "shiplog_outbox", "event_payload": ["outbox": entry.id, "subject": entry.subject],
        ]
        // Taken before: an earlier worker may have posted it and died before recording so.
        // Look in the channel first; when Slack cannot say, wait rather than post twice.
        if entry.claims > 1, try await store.message(for: entry.subject) == nil || !message.updatable {
            switch await delivery.findPosted(outbox: entry.id, channel: channel) {
            case .some(.some(let ts)):
                logger.notice("found the message an earlier attempt posted; not posting it again", metadata: ["outbox": "\(entry.id)"])
                if !message.updatable { return .delivered(ts: ts) }
                try await store.recordMessage(subject: entry.subject, channel: channel, ts: ts)
            case .some(.none):
                break
            case .none:
                return .retry(reason: "could not look for an earlier post (conversations.history)", after: nil)
            }
        }
        if let approval = message.approval {
            let blocks = try JSONSerialization.jsonObject(with: Data(approval.json())) as? [String: Any] ?? [:]
            if let existing = try await store.message(for: entry.subject) {
                return await delivery.webAPI(
                    "chat.update", body: blocks.merging(["channel": existing.channel, "ts": existing.ts]) { $1 })
            }
            return await delivery.webAPI("chat.postMessage", body: blocks.merging(["channel": channel, "metadata": metadata]) { $1 })
        }
        return await delivery.webAPI("chat.postMessage", body: ["channel": channel, "text": message.text, "metadata": metadata])
    }
}

/// Exponential backoff with jitter for the outbox: 1 s, 2 s, 4 s … at most 5 minutes, each
/// scaled by a random factor from 0.5 to 1, so messages that failed together do not retry together.
struct RetryBackoff: Sendable {
    var base: TimeInterval = 1
    var cap: TimeInterval = 300

    func delay(afterAttempt attempt: Int) -> TimeInterval {
        min(base * pow(2, Double(min(max(attempt, 1) - 1, 30))), cap) * Double.random(in: 0.5...1.0)
    }
}
