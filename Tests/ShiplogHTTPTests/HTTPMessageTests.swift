import Testing

@testable import ShiplogHTTP

@Suite("HTTPRequest and HTTPResponse values")
struct HTTPMessageTests {
    @Test("header lookup ignores case and returns the first match")
    func headerLookup() {
        let response = HTTPResponse(
            status: 200,
            headers: [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Retry-After", "3")]
        )
        #expect(response.header("SET-COOKIE") == "a=1")
        #expect(response.header("retry-after") == "3")
        #expect(response.header("X-Missing") == nil)
    }

    @Test("text decodes UTF-8 and replaces invalid bytes")
    func text() {
        #expect(HTTPResponse(status: 200, body: Array("ok ✅".utf8)).text == "ok ✅")
        #expect(HTTPResponse(status: 200, body: [0x61, 0xFF]).text == "a\u{FFFD}")
    }

    @Test(
        "URLs are shown without user info, query, fragment or deep path segments",
        arguments: [
            ("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com/services/T000/..."),
            ("https://hooks.slack.com/actions/T000/123/TOKENSECRET", "https://hooks.slack.com/actions/T000/..."),
            ("https://slack.com/api/chat.postMessage", "https://slack.com/api/chat.postMessage"),
            ("https://ecs.us-east-1.amazonaws.com/", "https://ecs.us-east-1.amazonaws.com/"),
            ("HTTP://user:pass@host:8080/a?token=x#frag", "http://host:8080/a"),
            ("http://host", "http://host"),
        ]
    )
    func redactedURL(_ url: String, _ shown: String) {
        #expect(HTTPRequest(url: url).redactedURL == shown)
    }

    @Test("a request's description shows no headers, query or body")
    func requestDescription() {
        let request = HTTPRequest(
            method: .post,
            url: "https://slack.com/api/chat.postMessage?token=xoxp-secret",
            headers: [("Authorization", "Bearer xoxb-secret")],
            body: Array("password".utf8)
        )
        #expect("\(request)" == "POST https://slack.com/api/chat.postMessage (1 headers, 8-byte body)")
    }
}
