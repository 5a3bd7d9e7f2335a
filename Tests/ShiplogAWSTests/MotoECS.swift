import Foundation
import ShiplogAWS
import ShiplogHTTP
import Testing

/// moto_server's ECS, as `scripts/with-test-moto.sh` starts it: a cluster, a service and two
/// task definition revisions per test, under names of their own (tests share one moto).
struct MotoECS {
    let endpoint: String
    let client: ECSClient
    let cluster: String
    let service = "web"
    let family: String

    /// The moto the test run started; a test fails, never skips, without one.
    static func endpoint() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["SHIPLOG_TEST_MOTO"],
            "SHIPLOG_TEST_MOTO is not set: run the tests through scripts/with-test-moto.sh (make test does)")
    }

    static func client(endpoint: String) -> ECSClient {
        let http = HTTPClient(label: "shiplog.test.ecs")
        var client = ECSClient(
            http: http, credentials: AWSCredentialSource(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"), http: http),
            settings: AWSSettings(defaultRegion: "us-east-1", endpoint: endpoint))
        client.baseDelay = .milliseconds(10)
        return client
    }

    /// A cluster with service `web` running `<family>:1`; `<family>:2` registered too.
    static func make(endpoint override: String? = nil) async throws -> MotoECS {
        let endpoint = try override ?? Self.endpoint()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let moto = MotoECS(
            endpoint: endpoint, client: client(endpoint: try Self.endpoint()), cluster: "prod-\(tag)", family: "web-\(tag)")
        struct Any_: Decodable {}
        let _: Any_ = try await moto.client.call("CreateCluster", region: nil, ["clusterName": moto.cluster])
        for image in ["web:1.2.2", "web:1.2.3"] {
            let _: Any_ = try await moto.client.call(
                "RegisterTaskDefinition", region: nil,
                ["family": moto.family, "containerDefinitions": [["name": "web", "image": image, "memory": 512]]])
        }
        let _: Any_ = try await moto.client.call(
            "CreateService", region: nil,
            ["cluster": moto.cluster, "serviceName": moto.service, "taskDefinition": "\(moto.family):1", "desiredCount": 1])
        return moto
    }

    func revision(_ number: Int) -> String { "\(family):\(number)" }
}
