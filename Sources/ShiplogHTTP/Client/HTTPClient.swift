import Foundation

/// Sends HTTP requests through libcurl, with time limits, retries and optional AWS SigV4 signing.
///
/// ```swift
/// let client = HTTPClient()
/// let response = try await client.send(
///     HTTPRequest(
///         method: .post,
///         url: "https://slack.com/api/chat.postMessage",
///         headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
///         body: Array(json.utf8)
///     ),
///     retry: .never
/// )
/// ```
///
/// `curl_easy_perform` blocks its thread for the whole exchange, so it runs on the client's own
/// serial dispatch queues ("lanes"), never on Swift's cooperative thread pool. Up to
/// `maxConcurrentTransfers` exchanges run at once; more wait for a free lane. Each attempt
/// uses a fresh libcurl handle; connections are not reused between requests. Redirects are not
/// followed: a 3xx comes back as the response.
///
/// Cancelling the calling task stops a transfer in progress within about a second and
/// interrupts the wait between attempts; `send` then throws `CancellationError`.
public final class HTTPClient: Sendable {
    private let lanes: TransferLanes

    /// Creates a client with its own transfer threads.
    ///
    /// - Parameters:
    ///   - maxConcurrentTransfers: How many exchanges may block a thread at the same time; 8 by
    ///     default.
    ///   - label: The prefix of the dispatch queues' labels, seen in debuggers and crash reports.
    public init(maxConcurrentTransfers: Int = 8, label: String = "shiplog.http") {
        lanes = TransferLanes(count: maxConcurrentTransfers, label: label)
    }

    /// Sends `request` and returns the response, trying again as `retry` allows.
    ///
    /// Any HTTP status is a response, not an error: a 404 or a 503 that outlasts the retries
    /// is returned for the caller to judge.
    ///
    /// - Parameters:
    ///   - request: What to send.
    ///   - retry: When to try again and how long to wait first; `.default` allows three attempts.
    ///   - signing: AWS SigV4 parameters when the request goes to an AWS API.
    /// - Throws: `HTTPError` when the request is invalid or its last attempt got no response;
    ///   `CancellationError` when the task was cancelled.
    public func send(
        _ request: HTTPRequest,
        retry: RetryPolicy = .default,
        signing: AWSSigV4? = nil
    ) async throws -> HTTPResponse {
        try request.validate()
        try signing?.validate()
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let wait: Duration
            do {
                let response = try await perform(request, signing: signing)
                guard attempt < retry.maxAttempts, retry.isRetryable(status: response.status) else {
                    return response
                }
                wait = retry.delay(afterAttempt: attempt, response: response, now: Date())
            } catch let error as HTTPError {
                guard attempt < retry.maxAttempts, retry.isRetryable(error) else { throw error }
                wait = retry.delay(afterAttempt: attempt, response: nil, now: Date())
            }
            try await Task.sleep(for: wait)
            attempt += 1
        }
    }

    /// One attempt: the blocking transfer runs on a lane while the task waits suspended.
    private func perform(_ request: HTTPRequest, signing: AWSSigV4?) async throws -> HTTPResponse {
        let cancellation = TransferCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lanes.run {
                    continuation.resume(
                        with: Result {
                            try CurlEasy().perform(request, signing: signing, cancellation: cancellation)
                        }
                    )
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}
