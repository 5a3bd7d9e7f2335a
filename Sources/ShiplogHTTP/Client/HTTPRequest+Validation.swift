extension HTTPRequest {
    /// Rejects what libcurl would send wrongly or refuse late: a URL that is not absolute
    /// http(s), a method or header name that is not a token, a header value that could split
    /// into a second header (CR, LF or NUL), a body on `HEAD`, a non-positive time limit.
    func validate() throws {
        let lowercasedURL = url.lowercased()
        guard lowercasedURL.hasPrefix("http://") || lowercasedURL.hasPrefix("https://") else {
            throw HTTPError(
                code: .invalidURL,
                message: "\(redactedURL) is not an absolute http:// or https:// URL; "
                    + "give the full URL including its scheme",
                url: redactedURL
            )
        }
        guard Self.isToken(method.rawValue) else {
            throw invalid("the method is not a valid HTTP token; use a name such as GET or POST")
        }
        for (position, header) in headers.enumerated() {
            guard Self.isToken(header.name) else {
                throw invalid(
                    "header #\(position + 1) has an invalid name; header names are letters, digits and !#$%&'*+-.^_`|~"
                )
            }
            guard !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                throw invalid(
                    "the value of header \(header.name) contains a line break or NUL; remove it (it could inject headers)"
                )
            }
        }
        guard method != .head || body.isEmpty else {
            throw invalid("a HEAD request cannot carry a body; send it without one or use another method")
        }
        guard timeout > .zero, connectTimeout > .zero else {
            throw invalid("timeout and connectTimeout must be positive durations")
        }
    }

    private func invalid(_ reason: String) -> HTTPError {
        HTTPError(code: .invalidRequest, message: "request to \(redactedURL) not sent: \(reason)", url: redactedURL)
    }

    /// Whether `text` is an RFC 9110 token, the grammar of methods and header names.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
