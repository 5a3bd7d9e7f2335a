import Foundation
@testable import ShiplogAWS
import ShiplogHTTP
import Testing

@Suite("AWS: the ECS client against moto_server")
struct ECSClientTests {
    @Test("UpdateService points the service at the new task definition and the rollout completes")
    func updateAndFollow() async throws {
        let moto = try await MotoECS.make()
        let before = try await moto.client.describeService(cluster: moto.cluster, service: moto.service, region: nil)
        #expect(ECSTaskDefinitionName.short(before.taskDefinition) == moto.revision(1))
        try await moto.client.updateService(
            cluster: moto.cluster, service: moto.service, taskDefinition: moto.revision(2), region: nil)
        let after = try await moto.client.describeService(cluster: moto.cluster, service: moto.service, region: nil)
        #expect(ECSTaskDefinitionName.same(after.taskDefinition, moto.revision(2)))
        let rollout = try await moto.client.followRollout(
            cluster: moto.cluster, service: moto.service, taskDefinition: moto.revision(2), region: nil, limit: .seconds(10),
            interval: .milliseconds(100))
        #expect(rollout == .completed)
        let definition = try await moto.client.describeTaskDefinition(moto.revision(2), region: nil)
        #expect(definition.family == moto.family && definition.revision == 2)
        #expect(definition.arn.hasSuffix("task-definition/\(moto.revision(2))"))
    }

    @Test("a missing cluster or service is a clear not-found, not retried")
    func missing() async throws {
        let moto = try await MotoECS.make()
        let cluster = try await #require(throws: AWSError.self) {
            try await moto.client.describeService(cluster: "nowhere-\(UUID())", service: "web", region: nil)
        }
        #expect(cluster.code == .notFound, "\(cluster)")
        let service = try await #require(throws: AWSError.self) {
            try await moto.client.updateService(cluster: moto.cluster, service: "nothing", taskDefinition: moto.revision(2), region: nil)
        }
        #expect(service.code == .notFound && service.message.contains("shiplog target list"), "\(service)")
    }

    @Test("no region anywhere: a clear error naming what to set")
    func noRegion() async throws {
        let http = HTTPClient()
        let client = ECSClient(
            http: http, credentials: AWSCredentialSource(AWSCredentials(accessKeyId: "a", secretAccessKey: "b"), http: http),
            settings: AWSSettings(defaultRegion: nil, endpoint: try MotoECS.endpoint()))
        let error = try await #require(throws: AWSError.self) {
            try await client.describeService(cluster: "c", service: "s", region: nil)
        }
        #expect(error.code == .missingRegion && error.message.contains("AWS_REGION"))
    }

    @Test("ECS error answers: throttling and faults are retried, access denied is not")
    func errorAnswers() {
        let throttled = ECSClient.error(
            "UpdateService", status: 400, body: Array(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.utf8))
        #expect(throttled.code == .unreachable)
        let denied = ECSClient.error(
            "UpdateService", status: 400,
            body: Array(#"{"__type":"com.amazonaws.ecs#AccessDeniedException","message":"not authorized"}"#.utf8))
        #expect(denied.code == .accessDenied && denied.message.contains("ecs:UpdateService"))
        #expect(ECSClient.error("DescribeServices", status: 500, body: []).code == .unreachable)
    }

    @Test("task definitions compare by family and revision, whichever form ECS keeps")
    func names() {
        let arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42"
        #expect(ECSTaskDefinitionName.same(arn, "web:42"))
        #expect(!ECSTaskDefinitionName.same(arn, "web:41"))
        #expect(ECSTaskDefinitionName.same("web", "web:41"))
    }
}
