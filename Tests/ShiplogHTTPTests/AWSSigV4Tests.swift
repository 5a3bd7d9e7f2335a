import Foundation
import Testing

@testable import ShiplogHTTP

@Suite("AWS SigV4 signing through libcurl")
struct AWSSigV4Tests {
    let client = HTTPClient()
    let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    let sessionToken = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"

    func describeServices(_ server: LoopbackServer) -> HTTPRequest {
        HTTPRequest(
            method: .post,
            url: server.baseURL + "/",
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices"),
            ],
            body: Array(#"{"cluster":"prod","services":["web"]}"#.utf8)
        )
    }

    /// The parts of an `Authorization` header libcurl's SigV4 produces.
    struct Authorization {
        var date: String
        var scope: String
        var signedHeaders: [String]

        init?(_ header: String?) throws {
            let pattern = try Regex(
                #"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/(\d{8})/([a-z0-9-]+/[a-z0-9-]+/aws4_request), SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}"#
            )
            guard let header, let match = header.wholeMatch(of: pattern) else { return nil }
            date = String(match.output[1].substring ?? "")
            scope = String(match.output[2].substring ?? "")
            signedHeaders = (match.output[3].substring ?? "").split(separator: ";").map(String.init)
        }
    }

    @Test("the server sees a SigV4 Authorization scoped to us-east-1/ecs and an X-Amz-Date")
    func signedRequest() async throws {
        let server = try LoopbackServer([.respond(status: 200, body: #"{"services":[],"failures":[]}"#)])
        defer { server.stop() }
        let signing = AWSSigV4(
            region: "us-east-1",
            service: "ecs",
            accessKeyId: "AKIDEXAMPLE",
            secretAccessKey: secretKey
        )

        let response = try await client.send(describeServices(server), signing: signing)

        #expect(response.status == 200)
        let received = try #require(server.requests.first)
        let authorization = try #require(try Authorization(received.header("Authorization")), "\(received.headers)")
        #expect(authorization.scope == "us-east-1/ecs/aws4_request")
        let amzDate = try #require(received.header("X-Amz-Date"))
        #expect(amzDate.wholeMatch(of: try Regex(#"\d{8}T\d{6}Z"#)) != nil)
        #expect(amzDate.hasPrefix(authorization.date))
        for name in ["host", "x-amz-date", "x-amz-target", "content-type"] {
            #expect(authorization.signedHeaders.contains(name), "\(name) is not signed")
        }
        #expect(received.header("X-Amz-Security-Token") == nil)
        #expect(received.body == describeServices(server).body)
        #expect(!received.headers.contains { $0.value.contains(secretKey) })
    }

    @Test("a session token is sent as X-Amz-Security-Token and signed")
    func sessionToken() async throws {
        let server = try LoopbackServer([.respond(status: 200, body: "{}")])
        defer { server.stop() }
        let signing = AWSSigV4(
            region: "eu-west-1",
            service: "ecs",
            credentials: AWSCredentials(
                accessKeyId: "AKIDEXAMPLE",
                secretAccessKey: secretKey,
                sessionToken: sessionToken
            )
        )

        _ = try await client.send(describeServices(server), signing: signing)

        let received = try #require(server.requests.first)
        #expect(received.header("X-Amz-Security-Token") == sessionToken)
        let authorization = try #require(try Authorization(received.header("Authorization")))
        #expect(authorization.scope == "eu-west-1/ecs/aws4_request")
        #expect(authorization.signedHeaders.contains("x-amz-security-token"))
    }

    @Test("every retry is signed afresh")
    func retriesAreSigned() async throws {
        let server = try LoopbackServer([.respond(status: 503), .respond(status: 200)])
        defer { server.stop() }
        let signing = AWSSigV4(
            region: "us-east-1", service: "ecs", accessKeyId: "AKIDEXAMPLE", secretAccessKey: secretKey)

        _ = try await client.send(
            describeServices(server),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)),
            signing: signing
        )

        #expect(server.requests.count == 2)
        #expect(try server.requests.allSatisfy { try Authorization($0.header("Authorization")) != nil })
    }

    @Test("credentials never show their secret when printed, interpolated or dumped")
    func credentialsAreRedacted() {
        let signing = AWSSigV4(
            region: "us-east-1",
            service: "ecs",
            accessKeyId: "AKIDEXAMPLE",
            secretAccessKey: secretKey,
            sessionToken: sessionToken
        )
        var dumped = ""
        dump(signing.credentials, to: &dumped)
        let renderings = [
            "\(signing)", "\(signing.credentials)", String(reflecting: signing.credentials), dumped,
        ]
        for text in renderings {
            #expect(text.contains("AKIDEXAMPLE"))
            #expect(!text.contains(secretKey))
            #expect(!text.contains(sessionToken))
        }
    }

    @Test("unusable signing parameters are rejected before sending, without showing the secret")
    func invalidSigning() async throws {
        let server = try LoopbackServer([.respond(status: 200)])
        defer { server.stop() }

        let badRegion = await #expect(throws: HTTPError.self) {
            try await client.send(
                describeServices(server),
                signing: AWSSigV4(
                    region: "us:east", service: "ecs", accessKeyId: "AKIDEXAMPLE", secretAccessKey: secretKey)
            )
        }
        let badToken = await #expect(throws: HTTPError.self) {
            try await client.send(
                describeServices(server),
                signing: AWSSigV4(
                    region: "us-east-1",
                    service: "ecs",
                    accessKeyId: "AKIDEXAMPLE",
                    secretAccessKey: secretKey,
                    sessionToken: "token\r\nX-Evil: 1"
                )
            )
        }

        #expect(badRegion?.code == .invalidRequest)
        #expect(badToken?.code == .missingCredentials)
        for error in [badRegion, badToken] {
            #expect(!(error?.description.contains(secretKey) ?? true))
        }
        #expect(server.requests.isEmpty)
    }
}
