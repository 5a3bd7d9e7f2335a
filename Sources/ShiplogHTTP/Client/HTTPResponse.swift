/// The response to one `HTTPRequest`.
public struct HTTPResponse: Sendable {
    /// The HTTP status code, for example `200` or `429`.
    public var status: Int
    /// Header fields of the final response, in the order they arrived.
    public var headers: [(name: String, value: String)]
    /// The body exactly as received.
    public var body: [UInt8]

    /// Creates a response; `HTTPClient` makes these, tests and fakes may too.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header field named `name`, compared case-insensitively
    /// (`header("retry-after")` finds `Retry-After`); `nil` when there is none.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body decoded as UTF-8, with invalid bytes replaced by U+FFFD.
    public var text: String {
        String(decoding: body, as: UTF8.self)
    }
}
