import Foundation
import Hummingbird
import HummingbirdTesting
import ShiplogAWS
import ShiplogHTTP
import Testing

/// The ECS container credentials endpoint, as a loopback stand-in: temporary keys that expire.
actor ContainerCredentials {
    private(set) var served = 0
    let lifetime: TimeInterval

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    func next() -> String {
        served += 1
        let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(lifetime))
        return #"{"AccessKeyId":"ASIA\#(served)","SecretAccessKey":"secret\#(served)","Token":"token\#(served)","Expiration":"\#(expiration)"}"#
    }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("v2/credentials/:id") { request, _ -> Response in
            guard request.headers[.authorization] == "secret-auth" else { return Response(status: .unauthorized) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: await self.next())))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

@Suite("AWS: where the keys come from")
struct CredentialsTests {
    @Test("keys in the environment win; without them, the container endpoint's, fetched again before they expire")
    func sources() async throws {
        let http = HTTPClient()
        let fixed = try AWSCredentialSource.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s"], http: http)
        #expect(try await fixed.current().accessKeyId == "AKIA1")

        for (lifetime, fetches) in [(3600.0, 1), (120.0, 3)] {
            let endpoint = ContainerCredentials(lifetime: lifetime)
            try await endpoint.application().test(.live) { client in
                let source = try AWSCredentialSource.fromEnvironment(
                    [
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(try #require(client.port))/v2/credentials/task",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-auth",
                    ], http: http)
                var keys: [String] = []
                for _ in 0..<3 { keys.append(try await source.current().accessKeyId) }
                // An hour's keys are kept; keys expiring within five minutes are fetched again each time.
                #expect(await endpoint.served == fetches, "\(keys)")
                #expect(try await source.current().sessionToken?.hasPrefix("token") == true)
            }
        }
    }

    @Test("no keys and no container endpoint: a clear error naming what to set")
    func none() throws {
        let error = try #require(throws: AWSError.self) { try AWSCredentialSource.fromEnvironment([:], http: HTTPClient()) }
        #expect(error.code == .missingCredentials && error.message.contains("AWS_ACCESS_KEY_ID"))
    }
}
