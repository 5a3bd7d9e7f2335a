extension HTTPRequest {
    /// The URL as errors and logs may show it: scheme, host, port and the first two path
    /// segments. User info, query and fragment are dropped, and later path segments become
    /// `/...`, because Slack puts the secret of an incoming webhook or a `response_url` there
    /// (`https://hooks.slack.com/services/T0/B0/<secret>` shows as
    /// `https://hooks.slack.com/services/T0/...`).
    var redactedURL: String {
        URLParts(url).redacted
    }

    /// Every piece of the URL that `redactedURL` leaves out; text from libcurl is scrubbed of
    /// these before it reaches an error.
    var urlSecrets: [String] {
        let parts = URLParts(url)
        return [parts.userInfo, parts.hiddenPath, parts.query, parts.fragment].filter { !$0.isEmpty }
    }
}

/// A URL split just enough to redact it. Not a validating parser: libcurl validates.
private struct URLParts {
    var scheme = ""
    var userInfo = ""
    var hostAndPort = ""
    var shownPath = ""
    var hiddenPath = ""
    var query = ""
    var fragment = ""

    init(_ url: String) {
        var rest = Substring(url)
        if let separator = rest.range(of: "://") {
            scheme = rest[..<separator.lowerBound].lowercased()
            rest = rest[separator.upperBound...]
        }
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        hostAndPort = String(authority)

        let path = rest[authorityEnd...]
        var slashes = 0
        var cut = path.endIndex
        for index in path.indices where path[index] == "/" {
            slashes += 1
            if slashes == 3 {
                cut = index
                break
            }
        }
        shownPath = String(path[..<cut])
        hiddenPath = String(path[cut...].dropFirst())
    }

    var redacted: String {
        let path = hiddenPath.isEmpty ? shownPath : shownPath + "/..."
        return scheme.isEmpty ? hostAndPort + path : "\(scheme)://\(hostAndPort)\(path)"
    }
}
