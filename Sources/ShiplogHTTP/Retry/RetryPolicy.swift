import Foundation

/// When `HTTPClient` tries a request again, and how long it waits first.
///
/// Retried: connection failures, lost connections, timeouts, HTTP 429 and 500/502/503/504.
/// Never retried: other 4xx (the request itself is wrong; repeating it cannot help), other
/// statuses, invalid requests and TLS failures. Waits grow exponentially from `baseDelay` with
/// jitter; a `Retry-After` header (delta-seconds or an HTTP-date) replaces the backoff. Every
/// wait is capped at `maxDelay`.
///
/// After the last attempt `HTTPClient` returns the last response, whatever its status (the
/// caller decides what a 503 means to it), or throws the last transport error.
///
/// Timeouts and lost connections are retried even for `POST`: a caller whose request must not
/// run twice (a Slack message, an ECS deployment) uses `.never` or makes the request idempotent.
public struct RetryPolicy: Sendable, Hashable {
    /// How many attempts in total, the first included; `1` means no retries.
    public var maxAttempts: Int
    /// The backoff before the second attempt; it doubles for each later one.
    public var baseDelay: Duration
    /// The longest wait between two attempts, also for `Retry-After`.
    public var maxDelay: Duration

    /// Creates a policy. `maxAttempts` below 1 is treated as 1.
    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Three attempts, 250 ms base delay, waits capped at 10 seconds.
    public static let `default` = RetryPolicy()

    /// A single attempt: for requests that must not be repeated.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// Whether a response with this status is worth another attempt: 429 (rate limited) and
    /// 500, 502, 503, 504 (the server or a gateway failed or is overloaded).
    public func isRetryable(status: Int) -> Bool {
        [429, 500, 502, 503, 504].contains(status)
    }

    /// Whether a failed exchange is worth another attempt: connection failures, lost
    /// connections and timeouts are; invalid requests, TLS failures and the rest are not.
    public func isRetryable(_ error: HTTPError) -> Bool {
        switch error.code {
        case .connectionFailed, .connectionLost, .timeout: true
        case .invalidURL, .invalidRequest, .tls, .missingCredentials, .transport: false
        }
    }

    /// How long to wait after attempt number `attempt` (1 for the first) before the next one.
    ///
    /// A valid `Retry-After` in `response` wins: delta-seconds as given, an HTTP-date as the
    /// time from `now` to it (zero when it has passed). Otherwise the wait is
    /// `baseDelay * 2^(attempt - 1)` scaled by a jitter factor `random(0.5...1.0)`, so clients
    /// that failed together do not retry together. Either way it is capped at `maxDelay`.
    ///
    /// - Parameters:
    ///   - attempt: The number of the attempt that just finished, starting at 1.
    ///   - response: The response that attempt got, or `nil` when it failed without one.
    ///   - now: The current time, for `Retry-After` dates.
    ///   - random: Returns a number in the given range; pass a fixed function in tests.
    public func delay(
        afterAttempt attempt: Int,
        response: HTTPResponse?,
        now: Date,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> Duration {
        let cap = Self.seconds(maxDelay)
        if let value = response?.header("Retry-After"), let requested = Self.retryAfterSeconds(value, now: now) {
            return .seconds(max(0, min(requested, cap)))
        }
        // 2^62 already dwarfs any sensible cap; a bigger exponent only risks overflow to infinity.
        let exponent = Double(min(max(attempt, 1) - 1, 62))
        let backoff = min(Self.seconds(baseDelay) * pow(2, exponent), cap)
        let factor = min(max(random(0.5...1.0), 0.5), 1.0)
        return .seconds(max(0, backoff * factor))
    }

    /// The wait a `Retry-After` value asks for, in seconds; `nil` when the value is neither
    /// delta-seconds nor an HTTP-date.
    static func retryAfterSeconds(_ value: String, now: Date) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits too many for Double precision still mean "a very long time": the cap applies.
            return Double(trimmed)
        }
        guard let date = HTTPDate.parse(trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
