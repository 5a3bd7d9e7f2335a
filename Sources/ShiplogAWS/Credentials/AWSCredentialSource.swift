import Foundation
import ShiplogHTTP

/// Where the server's AWS keys come from: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
/// `AWS_SESSION_TOKEN`, or, on ECS Fargate, the container credentials endpoint
/// (`http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`), whose
/// temporary keys are fetched again five minutes before they expire.
public actor AWSCredentialSource {
    enum Origin: Sendable {
        case fixed(AWSCredentials)
        case container(url: String, authorization: String?)
    }

    private let origin: Origin
    private let http: HTTPClient
    private var cached: (credentials: AWSCredentials, expires: Date)?

    init(origin: Origin, http: HTTPClient) {
        self.origin = origin
        self.http = http
    }

    /// Keys given outright (tests, and the environment's).
    public init(_ credentials: AWSCredentials, http: HTTPClient) {
        self.init(origin: .fixed(credentials), http: http)
    }

    /// The source the environment names: keys in the environment win; then the container
    /// endpoint. Throws with what to set when there is neither.
    public static func fromEnvironment(_ environment: [String: String], http: HTTPClient) throws -> AWSCredentialSource {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            return AWSCredentialSource(origin: .fixed(try AWSCredentials.fromEnvironment(environment)), http: http)
        }
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            return AWSCredentialSource(origin: .container(url: "http://169.254.170.2" + relative, authorization: nil), http: http)
        }
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            var authorization = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
            if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !path.isEmpty {
                authorization = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return AWSCredentialSource(origin: .container(url: full, authorization: authorization), http: http)
        }
        throw AWSError(
            .missingCredentials,
            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or run on ECS with a task role")
    }

    /// Keys good for at least five more minutes.
    public func current(now: Date = Date()) async throws -> AWSCredentials {
        switch origin {
        case .fixed(let credentials):
            return credentials
        case .container(let url, let authorization):
            if let cached, cached.expires.timeIntervalSince(now) > 300 { return cached.credentials }
            let fetched = try await fetch(url, authorization: authorization)
            cached = fetched
            return fetched.credentials
        }
    }

    private func fetch(_ url: String, authorization: String?) async throws -> (credentials: AWSCredentials, expires: Date) {
        struct Answer: Decodable {
            var AccessKeyId: String
            var SecretAccessKey: String
            var Token: String?
            var Expiration: String?
        }
        let response: HTTPResponse
        do {
            response = try await http.send(
                HTTPRequest(url: url, headers: authorization.map { [("Authorization", $0)] } ?? [], timeout: .seconds(5)))
        } catch {
            throw AWSError(.unreachable, "could not reach the ECS container credentials endpoint: \(error)")
        }
        guard response.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)) else {
            throw AWSError(
                .missingCredentials, "the ECS container credentials endpoint answered HTTP \(response.status): check the task role")
        }
        let expires = answer.Expiration.flatMap { try? Date($0, strategy: .iso8601) } ?? Date().addingTimeInterval(900)
        return (AWSCredentials(accessKeyId: answer.AccessKeyId, secretAccessKey: answer.SecretAccessKey, sessionToken: answer.Token), expires)
    }
}
