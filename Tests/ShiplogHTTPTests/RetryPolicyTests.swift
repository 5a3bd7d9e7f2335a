import Foundation
import Testing

@testable import ShiplogHTTP

@Suite("RetryPolicy decisions, without sleeping")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(10))
    /// Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110.
    let rfcExample = Date(timeIntervalSince1970: 784_111_777)
    let noJitter: (ClosedRange<Double>) -> Double = { $0.upperBound }

    func response(retryAfter: String) -> HTTPResponse {
        HTTPResponse(status: 429, headers: [("Retry-After", retryAfter)])
    }

    func isClose(_ actual: Duration, _ expected: Duration) -> Bool {
        actual - expected < .microseconds(1) && expected - actual < .microseconds(1)
    }

    @Test("Retry-After in seconds is the wait")
    func retryAfterSeconds() {
        let wait = policy.delay(afterAttempt: 1, response: response(retryAfter: "7"), now: rfcExample, random: noJitter)
        #expect(wait == .seconds(7))
    }

    @Test(
        "Retry-After as an HTTP-date waits until that date, in all three RFC 9110 formats",
        arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"]
    )
    func retryAfterDate(_ date: String) {
        let now = rfcExample.addingTimeInterval(-5)
        let wait = policy.delay(afterAttempt: 1, response: response(retryAfter: date), now: now, random: noJitter)
        #expect(wait == .seconds(5))
    }

    @Test("a Retry-After date in the past means retry now")
    func retryAfterPastDate() {
        let now = rfcExample.addingTimeInterval(60)
        let wait = policy.delay(
            afterAttempt: 1,
            response: response(retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT"),
            now: now,
            random: noJitter
        )
        #expect(wait == .zero)
    }

    @Test("Retry-After is capped at maxDelay", arguments: ["3600", "Mon, 07 Nov 1994 08:49:37 GMT"])
    func retryAfterIsCapped(_ value: String) {
        let wait = policy.delay(
            afterAttempt: 1, response: response(retryAfter: value), now: rfcExample, random: noJitter)
        #expect(wait == .seconds(10))
    }

    @Test("an unreadable Retry-After falls back to the backoff", arguments: ["soon", "-5", "1.5", ""])
    func unreadableRetryAfter(_ value: String) {
        let wait = policy.delay(
            afterAttempt: 2, response: response(retryAfter: value), now: rfcExample, random: noJitter)
        #expect(isClose(wait, .milliseconds(200)))
    }

    @Test("backoff doubles with each attempt up to maxDelay")
    func exponentialGrowth() {
        let waits = (1...9).map { policy.delay(afterAttempt: $0, response: nil, now: rfcExample, random: noJitter) }
        let expected: [Duration] = [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000].map { .milliseconds($0) }
        #expect(zip(waits, expected).allSatisfy { isClose($0, $1) }, "\(waits)")
        #expect(policy.delay(afterAttempt: 10_000, response: nil, now: rfcExample, random: noJitter) == .seconds(10))
    }

    @Test("jitter keeps each wait between half and all of the backoff")
    func jitterRange() {
        let lowest = policy.delay(afterAttempt: 3, response: nil, now: rfcExample) { $0.lowerBound }
        #expect(isClose(lowest, .milliseconds(200)))
        for _ in 0..<200 {
            let wait = policy.delay(afterAttempt: 3, response: nil, now: rfcExample)
            #expect(wait >= .milliseconds(200) - .microseconds(1) && wait <= .milliseconds(400) + .microseconds(1))
        }
    }

    @Test("429 and 500/502/503/504 are retryable", arguments: [429, 500, 502, 503, 504])
    func retryableStatuses(_ status: Int) {
        #expect(policy.isRetryable(status: status))
    }

    @Test("other statuses are not", arguments: [200, 204, 301, 400, 401, 403, 404, 409, 422, 501, 505])
    func finalStatuses(_ status: Int) {
        #expect(!policy.isRetryable(status: status))
    }

    @Test("connection failures, lost connections and timeouts are retryable; the rest are not")
    func retryableErrors() {
        let retryable: [HTTPError.Code] = [.connectionFailed, .connectionLost, .timeout]
        let final: [HTTPError.Code] = [.invalidURL, .invalidRequest, .tls, .missingCredentials, .transport]
        for code in retryable {
            #expect(policy.isRetryable(HTTPError(code: code, message: "m")))
        }
        for code in final {
            #expect(!policy.isRetryable(HTTPError(code: code, message: "m")))
        }
    }

    @Test("maxAttempts is at least one")
    func atLeastOneAttempt() {
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test(
        "HTTP-dates that are malformed are rejected",
        arguments: [
            "", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 PST",
        ])
    func malformedDates(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test("HTTP-dates in every format name the same instant")
    func httpDateFormats() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == rfcExample)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == rfcExample)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == rfcExample)
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 23:59:59 GMT") == Date(timeIntervalSince1970: 1_709_251_199))
    }
}
