/// At most `limit` slash commands worked on at once; the rest wait their turn, first come first
/// served. A burst of a hundred commands then leaves database connections and CPU for what
/// must come first, verifying and acknowledging each one within Slack's budget; the answers
/// follow at the response_url.
actor WorkLimiter {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func run<T: Sendable>(_ work: @Sendable () async -> T) async -> T {
        if running < limit {
            running += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer { release() }
        return await work()
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()  // the slot passes on
        }
    }
}
