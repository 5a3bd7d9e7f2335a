import Foundation

/// What went wrong talking to AWS, in words that say what to do. Never carries a key.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No keys, or the credentials endpoint refused.
        case missingCredentials
        /// The keys may not do this (`AccessDeniedException`, an unrecognized client).
        case accessDenied
        /// The cluster, the service or the task definition does not exist.
        case notFound
        /// The request itself is wrong (`ClientException`, `InvalidParameterException`).
        case invalidRequest
        /// AWS kept throttling or failing after the retries, or could not be reached.
        case unreachable
        /// The rollout ended badly or did not end in time.
        case rolloutFailed
        /// No region was given or configured.
        case missingRegion
    }

    public var code: Code
    public var message: String
    /// The AWS error type (`ClusterNotFoundException`), when AWS named one.
    public var awsType: String?

    public init(_ code: Code, _ message: String, awsType: String? = nil) {
        self.code = code
        self.message = message
        self.awsType = awsType
    }

    public var description: String { message }
}

import ShiplogCore

extension AWSError: ClassifiedError {
    public var kind: ErrorKind {
        switch code {
        case .missingCredentials, .missingRegion, .invalidRequest: .invalidInput
        case .accessDenied: .refused
        case .notFound: .notFound
        case .unreachable: .unavailable
        case .rolloutFailed: .failure
        }
    }
}
