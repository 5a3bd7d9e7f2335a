import Foundation
import Logging
import ShiplogHTTP

/// ECS's JSON 1.1 API over the libcurl client and its SigV4: `UpdateService`,
/// `DescribeServices`, `DescribeTaskDefinition`, and following a rollout to its end.
///
/// Throttling, 5xx answers and transport failures are tried again with exponential backoff and
/// jitter (an `UpdateService` to the same task definition is harmless to repeat); access
/// denied, a missing cluster or service and a wrong request are not, and say what to check.
public struct ECSClient: Sendable {
    public let http: HTTPClient
    public let credentials: AWSCredentialSource
    public let settings: AWSSettings
    /// How many attempts a call gets, and the backoff between them.
    public var maxAttempts = 5
    public var baseDelay: Duration = .milliseconds(100)
    public var maxDelay: Duration = .seconds(5)
    /// One attempt's time limit.
    public var timeout: Duration = .seconds(10)
    public var logger = Logger(label: "shiplog.ecs")

    public init(http: HTTPClient, credentials: AWSCredentialSource, settings: AWSSettings) {
        self.http = http
        self.credentials = credentials
        self.settings = settings
    }

    // MARK: Operations

    /// The service as ECS has it now.
    public func describeService(cluster: String, service: String, region: String?) async throws -> ECSService {
        struct Answer: Decodable {
            var services: [ECSService]?
            var failures: [Failure]?
            struct Failure: Decodable {
                var arn: String?
                var reason: String?
            }
        }
        let answer: Answer = try await call(
            "DescribeServices", region: region, ["cluster": cluster, "services": [service]])
        guard let found = answer.services?.first else {
            let reason = answer.failures?.first?.reason ?? "MISSING"
            throw AWSError(
                .notFound,
                "ECS has no service \(service) in cluster \(cluster) (\(reason)): check shiplog target list", awsType: reason)
        }
        return found
    }

    /// Points the service at `taskDefinition`; ECS then rolls it out.
    @discardableResult
    public func updateService(cluster: String, service: String, taskDefinition: String, region: String?) async throws
        -> ECSService
    {
        struct Answer: Decodable { var service: ECSService }
        let answer: Answer = try await call(
            "UpdateService", region: region, ["cluster": cluster, "service": service, "taskDefinition": taskDefinition])
        return answer.service
    }

    /// The task definition's family, revision and ARN.
    public func describeTaskDefinition(_ taskDefinition: String, region: String?) async throws -> (arn: String, family: String, revision: Int) {
        struct Answer: Decodable {
            var taskDefinition: Definition
            struct Definition: Decodable {
                var taskDefinitionArn: String
                var family: String
                var revision: Int
            }
        }
        let answer: Answer = try await call("DescribeTaskDefinition", region: region, ["taskDefinition": taskDefinition])
        return (answer.taskDefinition.taskDefinitionArn, answer.taskDefinition.family, answer.taskDefinition.revision)
    }

    /// How a rollout ended.
    public enum Rollout: Sendable, Hashable {
        case completed
        case failed(String)
        case timedOut
        /// `interrupt` answered (its answer: an alarm that fired meanwhile).
        case interrupted(String)
    }

    /// Follows the service until its rollout of `taskDefinition` completes, fails, or `limit`
    /// passes, asking every `interval`.
    ///
    /// `interrupt` is asked after each look at a rollout still in progress; an answer stops
    /// following it (`.interrupted`).
    public func followRollout(
        cluster: String, service: String, taskDefinition: String, region: String?, limit: Duration,
        interval: Duration = .seconds(2), interrupt: (@Sendable () async throws -> String?)? = nil
    ) async throws -> Rollout {
        let deadline = ContinuousClock.now + limit
        while true {
            let current = try await describeService(cluster: cluster, service: service, region: region)
            if ECSTaskDefinitionName.same(current.taskDefinition, taskDefinition), let deployment = current.deployment(of: taskDefinition) {
                switch deployment.rolloutState {
                case "COMPLETED": return .completed
                case "FAILED": return .failed(deployment.rolloutStateReason ?? "ECS reports the rollout failed")
                default: break
                }
            } else if !ECSTaskDefinitionName.same(current.taskDefinition, taskDefinition) {
                return .failed("the service now runs \(current.taskDefinition), not \(taskDefinition): someone changed it meanwhile")
            }
            if let interrupt, let reason = try await interrupt() { return .interrupted(reason) }
            guard ContinuousClock.now + interval < deadline else { return .timedOut }
            try await Task.sleep(for: interval)
        }
    }

    // MARK: The wire

    /// One ECS operation: the JSON body in, the decoded answer out, retried as the type says.
    public func call<Answer: Decodable>(_ operation: String, region explicitRegion: String?, _ body: [String: Any])
        async throws -> Answer
    {
        let region = try settings.region(explicitRegion)
        let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let request = HTTPRequest(
            method: .post, url: settings.endpoint(service: "ecs", region: region),
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.\(operation)"),
            ],
            body: Array(payload), timeout: timeout)
        var attempt = 0
        while true {
            attempt += 1
            let failure: AWSError
            do {
                let keys = try await credentials.current()
                let response = try await http.send(
                    request, retry: .never, signing: AWSSigV4(region: region, service: "ecs", credentials: keys))
                if response.status == 200 {
                    do {
                        return try JSONDecoder().decode(Answer.self, from: Data(response.body))
                    } catch {
                        throw AWSError(.invalidRequest, "ECS \(operation) answered in an unexpected shape: \(error)")
                    }
                }
                failure = Self.error(operation, status: response.status, body: response.body)
            } catch let error as HTTPError {
                failure = AWSError(.unreachable, "could not reach ECS for \(operation): \(error)")
            }
            guard failure.code == .unreachable, attempt < maxAttempts else { throw failure }
            let wait = min(maxDelay, baseDelay * (1 << min(attempt - 1, 16)))
            let jittered = Duration.nanoseconds(Int64.random(in: 0...max(1, wait.nanoseconds)))
            logger.notice(
                "ECS call failed; trying again",
                metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "reason": "\(failure.message)"])
            try await Task.sleep(for: wait / 2 + jittered / 2)
        }
    }

    /// An ECS error answer as an `AWSError`: throttling and server faults are `.unreachable`
    /// (tried again), the rest say what to check.
    static func error(_ operation: String, status: Int, body: [UInt8]) -> AWSError {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let rawType = (object?["__type"] as? String) ?? ""
        let type = rawType.split(separator: "#").last.map(String.init) ?? rawType
        let message = (object?["message"] as? String) ?? (object?["Message"] as? String) ?? String(decoding: body.prefix(300), as: UTF8.self)
        let says = "ECS \(operation): \(type.isEmpty ? "HTTP \(status)" : type)\(message.isEmpty ? "" : ": \(message)")"
        switch type {
        case "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException", "ServerException",
            "ServiceUnavailableException", "InternalFailure":
            return AWSError(.unreachable, says, awsType: type)
        case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
            return AWSError(.accessDenied, says + " — check the server's AWS credentials and its IAM policy (ecs:\(operation))", awsType: type)
        case "ClusterNotFoundException", "ServiceNotFoundException", "ServiceNotActiveException":
            return AWSError(.notFound, says + " — check the target (shiplog target list)", awsType: type)
        default:
            if status >= 500 || status == 429 { return AWSError(.unreachable, says, awsType: type) }
            return AWSError(.invalidRequest, says, awsType: type.isEmpty ? nil : type)
        }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension ECSClient {
    /// The client the environment describes: the keys (or the ECS container credentials),
    /// the default region and `SHIPLOG_AWS_ENDPOINT`. Throws with what to set when there are
    /// no keys.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, http: HTTPClient = HTTPClient(label: "shiplog.aws")
    ) throws -> ECSClient {
        ECSClient(
            http: http, credentials: try AWSCredentialSource.fromEnvironment(environment, http: http),
            settings: AWSSettings.fromEnvironment(environment))
    }
}
