/// An HTTP request method such as `GET` or `POST`.
///
/// Any RFC 9110 token is accepted, so methods without a named constant can still be sent;
/// `HTTPClient` rejects a method that is not a token before anything goes on the wire.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The method exactly as it is sent, for example `"PATCH"`.
    public var rawValue: String

    /// Creates a method from its wire spelling.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Creates a method from a literal such as `"PROPFIND"`.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public var description: String { rawValue }

    public static let get: HTTPMethod = "GET"
    public static let head: HTTPMethod = "HEAD"
    public static let post: HTTPMethod = "POST"
    public static let put: HTTPMethod = "PUT"
    public static let patch: HTTPMethod = "PATCH"
    public static let delete: HTTPMethod = "DELETE"
}
