import Foundation

/// An AWS access key pair, with a session token when the keys are temporary.
///
/// Printing, interpolating or dumping credentials shows only the access key id: the secret key
/// and the session token never reach a log.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key id, for example `AKIAIOSFODNN7EXAMPLE`. Not secret.
    public var accessKeyId: String
    /// The secret access key.
    public var secretAccessKey: String
    /// The session token of temporary credentials (STS, ECS task roles), sent as
    /// `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Creates credentials from their parts.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set and non-empty,
    /// `AWS_SESSION_TOKEN`.
    ///
    /// Only the environment is read. The ECS container credentials endpoint
    /// (`http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, what a Fargate task role
    /// provides) is not consulted yet; it will be added as a separate source later.
    ///
    /// - Parameter environment: The variables to read; the process environment by default.
    /// - Throws: `HTTPError` with code `.missingCredentials` naming the missing variables.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> AWSCredentials {
        let accessKeyId = environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secretAccessKey = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        let missing = [("AWS_ACCESS_KEY_ID", accessKeyId), ("AWS_SECRET_ACCESS_KEY", secretAccessKey)]
            .filter { $0.1.isEmpty }
            .map(\.0)
        guard missing.isEmpty else {
            throw HTTPError(
                code: .missingCredentials,
                message: "no AWS credentials: \(missing.joined(separator: " and ")) "
                    + "\(missing.count == 1 ? "is" : "are") not set; export AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)"
            )
        }
        let sessionToken = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }

    public var description: String {
        "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>, "
            + "sessionToken: \(sessionToken == nil ? "none" : "<redacted>"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyId": accessKeyId,
                "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "none" : "<redacted>",
            ]
        )
    }
}
