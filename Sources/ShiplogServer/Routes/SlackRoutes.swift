import Foundation
import Synchronization
import Hummingbird
import ShiplogSlack

/// `POST /slack/commands` (the `/shiplog` slash command) and `POST /slack/interactions`
/// (button presses), behind `SlackVerificationMiddleware`.
struct SlackRoutes {
    let middleware: SlackVerificationMiddleware
    let commands: SlashCommandHandler?
    let interactions: InteractionHandler?
    /// Answers not ready within `answerWithin` go to the command's response_url from here.
    let late: LateReplies
    let answerWithin: Duration
    /// How many commands are worked on at once.
    let limiter = WorkLimiter(limit: 4)

    /// `work`'s answer if it is ready within `budget`; nil if not (the work goes on). Whichever
    /// comes first resumes the caller; a task group would wait for the work either way.
    static func first(of work: Task<SlackReply, Never>, within budget: Duration) async -> SlackReply? {
        guard budget > .zero else { return nil }
        let race = FirstOf<SlackReply?>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            Task { race.finish(await work.value) }
            Task {
                try? await Task.sleep(for: budget)
                race.finish(nil)
            }
        }
    }

    static func json(_ reply: SlackReply) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: reply.json)))
    }

    func add(to router: Router<ShiplogRequestContext>) {
        let slack = router.group("slack").add(middleware: middleware).group(context: SlackRequestContext.self)
        slack.post("commands") { _, context -> Response in
            guard let commands else {
                throw HTTPError(.serviceUnavailable, message: "Slack commands need SHIPLOG_BOT_KEY on this server")
            }
            let slack = context.slack, logger = context.logger
            let limiter = self.limiter
            let work = Task { await limiter.run { await commands.handle(slack, logger: logger) } }
            // Slack allows 3 s; an answer not ready within the budget (counted from the request's
            // arrival, verification included) is acknowledged now
            // (an empty 200) and posted to the command's response_url when it is.
            guard let responseURL = slack.form["response_url"], !responseURL.isEmpty,
                let reply = await Self.first(of: work, within: answerWithin - (ContinuousClock.now - context.receivedAt))
            else {
                if let responseURL = slack.form["response_url"], !responseURL.isEmpty {
                    await late.answer(work, to: responseURL, logger: logger)
                    ServerMetrics.lateAnswers.increment()
                    return Response(status: .ok)
                }
                return Self.json(await work.value)
            }
            return Self.json(reply)
        }
        slack.post("interactions") { _, context -> Response in
            guard let interactions else {
                throw HTTPError(.serviceUnavailable, message: "Slack buttons need SHIPLOG_BOT_KEY on this server")
            }
            // A press's outcome goes to its response_url; a dialog's refusal comes back here.
            guard let body = await interactions.handle(context.slack, logger: context.logger) else { return Response(status: .ok) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}

/// Resumes one continuation with the first value offered; later ones are dropped.
final class FirstOf<Value: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Value, Never>?, done: Bool)>((nil, false))

    func start(_ continuation: CheckedContinuation<Value, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func finish(_ value: Value) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard !state.done, let continuation = state.continuation else { return nil }
            state.done = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: value)
    }
}
