/// One HTTP request: what `HTTPClient.send(_:retry:signing:)` puts on the wire.
///
/// Headers keep the order they are given in. The description shows only the method, the URL's
/// scheme, host and path, and sizes, so a request can be logged without leaking a bearer token,
/// a secret in the query string or the body.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// The request method.
    public var method: HTTPMethod
    /// An absolute `http://` or `https://` URL.
    public var url: String
    /// Header fields in the order they are sent. Names are sent as given.
    public var headers: [(name: String, value: String)]
    /// The request body, sent byte for byte with a `Content-Length`. Give a `Content-Type`
    /// header with it: without one, libcurl labels a body `application/x-www-form-urlencoded`.
    public var body: [UInt8]
    /// The longest the whole exchange may take, from connecting to the last byte of the response.
    public var timeout: Duration
    /// The longest connecting (DNS, TCP and TLS handshakes) may take.
    public var connectTimeout: Duration

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: The request method; `GET` by default.
    ///   - url: An absolute `http://` or `https://` URL.
    ///   - headers: Header fields, sent in this order.
    ///   - body: The body bytes; empty by default.
    ///   - timeout: The total time limit of one attempt; 30 seconds by default.
    ///   - connectTimeout: The time limit for connecting; 10 seconds by default.
    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }

    public var description: String {
        "\(method) \(redactedURL) (\(headers.count) headers, \(body.count)-byte body)"
    }
}
