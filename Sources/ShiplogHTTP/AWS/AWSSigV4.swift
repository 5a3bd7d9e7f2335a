/// Signs a request with AWS Signature Version 4, using libcurl's `CURLOPT_AWS_SIGV4`.
///
/// libcurl computes the signature over every header it sends and adds `Authorization` and
/// `X-Amz-Date` itself, so signing happens again on every retry with a fresh date. The session
/// token, when present, is sent as `X-Amz-Security-Token` and signed with the rest.
///
/// Region and service are always given explicitly: libcurl could guess them from an
/// `amazonaws.com` host name, but not for endpoints such as moto_server on localhost.
///
/// libcurl 7.88 does not sort query parameters when it signs, so give signed URLs their query
/// parameters in sorted order (ECS's JSON protocol uses none).
public struct AWSSigV4: Sendable, Hashable, CustomStringConvertible {
    /// The region in the credential scope, for example `us-east-1`.
    public var region: String
    /// The service in the credential scope, for example `ecs`.
    public var service: String
    /// The keys to sign with.
    public var credentials: AWSCredentials

    /// Creates signing parameters from credentials.
    public init(region: String, service: String, credentials: AWSCredentials) {
        self.region = region
        self.service = service
        self.credentials = credentials
    }

    /// Creates signing parameters from the parts of the credentials.
    public init(
        region: String,
        service: String,
        accessKeyId: String,
        secretAccessKey: String,
        sessionToken: String? = nil
    ) {
        self.init(
            region: region,
            service: service,
            credentials: AWSCredentials(
                accessKeyId: accessKeyId,
                secretAccessKey: secretAccessKey,
                sessionToken: sessionToken
            )
        )
    }

    public var description: String {
        "AWSSigV4(region: \(region), service: \(service), credentials: \(credentials))"
    }

    /// The `CURLOPT_AWS_SIGV4` value: `aws:amz:<region>:<service>`.
    var curlProvider: String {
        "aws:amz:\(region):\(service)"
    }

    /// The `CURLOPT_USERPWD` value: `<access key id>:<secret access key>`.
    var curlUserPassword: String {
        "\(credentials.accessKeyId):\(credentials.secretAccessKey)"
    }

    /// The strings libcurl's messages must never show.
    var secrets: [String] {
        [credentials.secretAccessKey, credentials.sessionToken ?? ""].filter { !$0.isEmpty }
    }

    /// Rejects parameters that would corrupt the provider string, the user/password pair or the
    /// token header.
    func validate() throws {
        let scopePart = { (text: String) in
            !text.isEmpty
                && text.utf8.allSatisfy {
                    ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                        || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
                }
        }
        guard scopePart(region), scopePart(service) else {
            throw HTTPError(
                code: .invalidRequest,
                message: "cannot sign for region \"\(region)\" and service \"\(service)\"; both must be "
                    + "non-empty lowercase names such as us-east-1 and ecs"
            )
        }
        let usable = { (text: String) in !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 } }
        guard !credentials.accessKeyId.isEmpty, !credentials.accessKeyId.contains(":"),
            usable(credentials.accessKeyId), !credentials.secretAccessKey.isEmpty,
            usable(credentials.secretAccessKey), usable(credentials.sessionToken ?? "")
        else {
            throw HTTPError(
                code: .missingCredentials,
                message: "the AWS credentials for access key id \(Self.safeKeyId(credentials.accessKeyId)) are "
                    + "incomplete or malformed (empty, or containing a colon in the id, a line break or NUL); "
                    + "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
            )
        }
    }

    /// The key id as an error may show it: the key id is not secret, but a malformed one may hold
    /// a pasted secret, so only a short prefix of a well-formed id is shown.
    private static func safeKeyId(_ id: String) -> String {
        let isPlain = id.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
        }
        return isPlain && !id.isEmpty ? "\"\(id.prefix(8))...\"" : "(malformed)"
    }
}
