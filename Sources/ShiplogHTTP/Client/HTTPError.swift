/// Why an HTTP exchange did not produce a response.
///
/// The message says what happened and what to do. It names the URL only by scheme, host, port and
/// the start of its path (see `url`), and it never contains credentials, header values, query
/// strings or bodies, so it is safe to log and to show to users.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; `RetryPolicy` decides from it whether another attempt can help.
    public enum Code: Sendable, Hashable, CustomStringConvertible {
        /// The URL is not an absolute `http://` or `https://` URL libcurl can use.
        case invalidURL
        /// The request cannot be sent as given: a malformed method or header, a body on `HEAD`,
        /// a non-positive timeout, or unusable signing parameters.
        case invalidRequest
        /// No connection could be made: the host did not resolve or refused the connection.
        case connectionFailed
        /// The connection broke before a complete response arrived; the server may or may not
        /// have acted on the request.
        case connectionLost
        /// The request's `timeout` or `connectTimeout` ran out.
        case timeout
        /// The TLS handshake or certificate verification failed.
        case tls
        /// AWS credentials are missing or incomplete.
        case missingCredentials
        /// Any other failure reported by libcurl.
        case transport

        public var description: String {
            switch self {
            case .invalidURL: "invalid URL"
            case .invalidRequest: "invalid request"
            case .connectionFailed: "connection failed"
            case .connectionLost: "connection lost"
            case .timeout: "timeout"
            case .tls: "TLS failure"
            case .missingCredentials: "missing credentials"
            case .transport: "transport failure"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do, for people.
    public var message: String
    /// The request URL reduced to scheme, host, port and the first two path segments
    /// (later segments are replaced by `/...` because Slack webhook and `response_url` paths
    /// carry their secret there); `nil` when the failure is not about one URL.
    public var url: String?
    /// libcurl's own explanation (its error buffer), with anything secret removed; `nil` when
    /// libcurl was not involved.
    public var curlMessage: String?
    /// The source file that raised the error.
    public var file: String
    /// The source line that raised the error.
    public var line: Int

    /// Creates an error. `message` must not contain secrets.
    public init(
        code: Code,
        message: String,
        url: String? = nil,
        curlMessage: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.url = url
        self.curlMessage = curlMessage
        self.file = file
        self.line = line
    }

    public var description: String {
        "\(code): \(message)"
    }
}

extension HTTPError {
    /// The error for a failed transfer, with advice that fits its code.
    ///
    /// - Parameters:
    ///   - url: The already-redacted URL.
    ///   - detail: libcurl's already-redacted explanation.
    static func transferFailed(
        _ code: Code,
        url: String,
        detail: String,
        timeout: Duration,
        file: String = #fileID,
        line: Int = #line
    ) -> HTTPError {
        let message =
            switch code {
            case .invalidURL:
                "\(url) is not a usable URL (\(detail)); use an absolute http:// or https:// URL"
            case .connectionFailed:
                "could not connect to \(url) (\(detail)); check the host name and port, "
                    + "and that the service is up and reachable from here"
            case .connectionLost:
                "the connection to \(url) broke before a complete response arrived (\(detail)); "
                    + "the server may have acted on the request, so retry only if repeating it is safe"
            case .timeout:
                "no complete response from \(url) within the \(timeout) limit (\(detail)); "
                    + "the service is slow or unreachable: retry later or raise the request's timeout"
            case .tls:
                "the TLS connection to \(url) failed (\(detail)); check the server's certificate "
                    + "and the system CA certificates"
            case .invalidRequest, .missingCredentials, .transport:
                "the request to \(url) failed (\(detail))"
            }
        return HTTPError(code: code, message: message, url: url, curlMessage: detail, file: file, line: line)
    }
}
