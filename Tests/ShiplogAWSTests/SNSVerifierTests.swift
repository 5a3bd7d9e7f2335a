import Foundation
import HummingbirdTesting
import ShiplogAWS
import ShiplogCore
import ShiplogHTTP
import Testing

@Suite("AWS: SNS messages, verified with moto's real signatures")
struct SNSVerifierTests {
    /// A real notification: moto publishes an alarm to a topic the catcher subscribed to.
    static func published(_ message: String) async throws -> (SNSMessage, topic: String) {
        let sns = try MotoSNS()
        let topic = try await sns.createTopic("alarms-\(UUID().uuidString.prefix(8))")
        let catcher = SNSCatcher()
        try await catcher.application().test(.live) { client in
            try await sns.subscribe(topic, url: "http://127.0.0.1:\(try #require(client.port))/hooks/sns")
            try await sns.publish(topic, message)
        }
        let body = try #require(await catcher.bodies.first, "moto posted nothing to the subscription")
        return (try SNSMessage.parse(body), topic)
    }

    static func verifier(allowing topics: Set<String>) throws -> SNSVerifier {
        let http = HTTPClient()
        return try SNSVerifier(
            allowedTopics: topics, http: http, settings: AWSSettings(defaultRegion: "us-east-1", endpoint: try MotoECS.endpoint()),
            credentials: AWSCredentialSource(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"), http: http))
    }

    @Test("moto's signed alarm verifies; the alarm inside parses, state change time and dimensions included")
    func verifies() async throws {
        let (message, topic) = try await Self.published(MotoSNS.alarm("prod-web-5xx", dimensions: [("ServiceName", "web")]))
        #expect(message.type == .notification && message.signatureVersion == "2")
        try await Self.verifier(allowing: [topic]).verify(message)
        let alarm = try CloudWatchAlarm.fromSNS(message: message.message)
        #expect(alarm.name == "prod-web-5xx" && alarm.state == "ALARM" && alarm.previousState == "OK")
        #expect(alarm.dimensions == [AlarmDimension(name: "ServiceName", value: "web")])
        #expect(alarm.changedAt.map(LedgerTime.payloadString) == "2026-11-28T03:12:45.123000Z")
    }

    @Test("forged: an altered message, a certificate off amazonaws.com, a topic not on the list — each refused")
    func forgeries() async throws {
        let (message, topic) = try await Self.published(MotoSNS.alarm("prod-web-5xx"))
        let verifier = try Self.verifier(allowing: [topic])

        var altered = message
        altered.message = MotoSNS.alarm("prod-web-5xx", state: "OK")
        let badSignature = try await #require(throws: SNSError.self) { try await verifier.verify(altered) }
        #expect(badSignature.code == .badSignature)

        for url in [
            "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem", "http://sns.us-east-1.amazonaws.com/cert.pem",
            "https://sns.us-east-1.amazonaws.com/cert.txt", "https://evil.example/SimpleNotificationService-1.pem",
        ] {
            var moved = message
            moved.signingCertURL = url
            let refused = try await #require(throws: SNSError.self) { try await verifier.verify(moved) }
            #expect(refused.code == .badCertificateURL, "\(url)")
        }

        let stranger = try await #require(throws: SNSError.self) {
            try await Self.verifier(allowing: ["arn:aws:sns:us-east-1:123456789012:other"]).verify(message)
        }
        #expect(stranger.code == .topicNotAllowed)
    }

    @Test("EventBridge's alarm state change parses to the same alarm")
    func eventBridge() throws {
        let event = #"""
            {"version":"0","id":"c4c1c1c9","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch",
             "account":"123456789012","time":"2026-11-28T03:12:45Z","region":"us-east-1",
             "resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-web-5xx"],
             "detail":{"alarmName":"prod-web-5xx","state":{"value":"ALARM","reason":"Threshold Crossed","timestamp":"2026-11-28T03:12:45.123+0000"},
                       "previousState":{"value":"OK","reason":"","timestamp":"2026-11-28T02:00:00.000+0000"},
                       "configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"namespace":"AWS/ECS","name":"CPUUtilization",
                         "dimensions":{"ServiceName":"web","ClusterName":"prod"}},"period":60,"stat":"Average"},"returnData":true}]}}}
            """#
        let alarm = try CloudWatchAlarm.fromEventBridge(Array(event.utf8))
        #expect(alarm.name == "prod-web-5xx" && alarm.state == "ALARM" && alarm.previousState == "OK")
        #expect(alarm.dimensions.contains(AlarmDimension(name: "ServiceName", value: "web")))
        #expect(alarm.changedAt != nil)
    }

    @Test("a pinned certificate is trusted without fetching anything; an altered message is still refused")
    func pinned() async throws {
        let (message, topic) = try await Self.published(MotoSNS.alarm("prod-web-5xx"))
        // moto's own certificate, fetched once by hand, then pinned.
        let http = HTTPClient()
        let path = try #require(URL(string: message.signingCertURL)).path
        let pem = String(
            decoding: try await http.send(
                HTTPRequest(url: try MotoECS.endpoint() + path),
                signing: AWSSigV4(region: "us-east-1", service: "sns", accessKeyId: "testing", secretAccessKey: "testing")
            ).body, as: UTF8.self)
        #expect(pem.contains("BEGIN CERTIFICATE"))
        // No endpoint to fetch from: only the pinned certificate can verify it.
        let pinned = try SNSVerifier(
            allowedTopics: [topic], http: http, settings: AWSSettings(defaultRegion: "us-east-1", endpoint: "http://127.0.0.1:1"),
            credentials: nil, pinnedPEM: [pem])
        try await pinned.verify(message)
        var altered = message
        altered.messageID = UUID().uuidString
        let refused = try await #require(throws: SNSError.self) { try await pinned.verify(altered) }
        #expect(refused.code == .badSignature)
    }
}

