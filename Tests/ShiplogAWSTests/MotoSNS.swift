import Foundation
import Hummingbird
import ShiplogAWS
import ShiplogHTTP
import Testing

/// moto_server's SNS over its Query API (form posts, XML answers), SigV4-signed for `sns`.
struct MotoSNS {
    let endpoint: String
    let http = HTTPClient(label: "shiplog.test.sns")

    init() throws { endpoint = try MotoECS.endpoint() }

    @discardableResult
    func call(_ fields: [(String, String)]) async throws -> String {
        let body = (fields + [("Version", "2010-03-31")]).map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)"
        }.joined(separator: "&")
        let response = try await http.send(
            ShiplogHTTP.HTTPRequest(
                method: .post, url: endpoint + "/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(body.utf8)),
            retry: .never, signing: AWSSigV4(region: "us-east-1", service: "sns", accessKeyId: "testing", secretAccessKey: "testing"))
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200, "\(fields.first?.1 ?? ""): \(text)")
        return text
    }

    /// A new topic's ARN.
    func createTopic(_ name: String) async throws -> String {
        let answer = try await call([("Action", "CreateTopic"), ("Name", name)])
        return try #require(answer.firstMatch(of: /<TopicArn>([^<]+)<\/TopicArn>/)?.1).description
    }

    func subscribe(_ topic: String, url: String) async throws {
        try await call([("Action", "Subscribe"), ("TopicArn", topic), ("Protocol", "http"), ("Endpoint", url)])
    }

    /// Publishes `message` (no subject: moto leaves it out of what it signs).
    func publish(_ topic: String, _ message: String) async throws {
        try await call([("Action", "Publish"), ("TopicArn", topic), ("Message", message)])
    }

    /// A CloudWatch alarm notification's JSON, as CloudWatch writes it.
    static func alarm(_ name: String, state: String = "ALARM", dimensions: [(String, String)] = [], at time: String = "2026-11-28T03:12:45.123+0000") -> String {
        let object: [String: Any] = [
            "AlarmName": name, "AlarmDescription": NSNull(), "AWSAccountId": "123456789012", "NewStateValue": state,
            "OldStateValue": state == "ALARM" ? "OK" : "ALARM", "NewStateReason": "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
            "StateChangeTime": time, "Region": "US East (N. Virginia)",
            "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:\(name)",
            "Trigger": [
                "MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB", "Statistic": "SUM",
                "Dimensions": dimensions.map { ["name": $0.0, "value": $0.1] }, "Period": 60, "EvaluationPeriods": 1,
                "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0, "TreatMissingData": "missing",
            ],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// Catches what SNS posts to an HTTP subscription.
actor SNSCatcher {
    private(set) var bodies: [[UInt8]] = []

    func add(_ body: [UInt8]) { bodies.append(body) }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("hooks/sns") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            await self.add(Array(body.readableBytesView))
            return Response(status: .ok)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}
