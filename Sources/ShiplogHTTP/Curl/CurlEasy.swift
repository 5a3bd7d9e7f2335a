import CCurl

/// One libcurl easy handle, freed in `deinit`: the only type that calls libcurl's C API.
///
/// A handle serves one thread at a time. `HTTPClient` makes one per attempt on one of its
/// transfer lanes, so the blocking `curl_easy_perform` never runs on Swift's cooperative
/// thread pool.
final class CurlEasy {
    /// `curl_global_init` is not thread-safe and must run before the first handle exists; a
    /// static `let` is initialised exactly once, lazily and thread-safely.
    private static let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    private let handle: UnsafeMutableRawPointer
    /// libcurl writes its explanation of a failure here; it lives as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = Int(CURL_ERROR_SIZE) + 1

    init() throws {
        guard Self.globalInitResult == CURLE_OK, let handle = curl_easy_init() else {
            throw HTTPError(
                code: .transport,
                message: "libcurl could not be initialised; the process may be out of memory "
                    + "or the installed libcurl is broken"
            )
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends `request`, signed when `signing` is given, and waits for the complete response.
    /// Blocks the calling thread.
    ///
    /// - Throws: `HTTPError` when no response arrived; `CancellationError` when `cancellation`
    ///   stopped the transfer.
    func perform(
        _ request: HTTPRequest,
        signing: AWSSigV4?,
        cancellation: TransferCancellation
    ) throws -> HTTPResponse {
        let collector = ResponseCollector(cancellation: cancellation)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }

        return try withExtendedLifetime(collector) {
            try configureTransfer(request, collector: Unmanaged.passUnretained(collector).toOpaque())
            try configureMethodAndBody(request)
            try appendHeaders(request, signing: signing, to: &headerList)
            try set(CURLOPT_HTTPHEADER, list: headerList)
            if let signing {
                try set(CURLOPT_AWS_SIGV4, signing.curlProvider)
                try set(CURLOPT_USERPWD, signing.curlUserPassword)
            }

            errorBuffer[0] = 0
            let code = curl_easy_perform(handle)
            guard code == CURLE_OK else {
                if cancellation.isCancelled { throw CancellationError() }
                throw transferError(code, request: request, secrets: request.urlSecrets + (signing?.secrets ?? []))
            }
            var status = 0
            _ = shiplog_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return HTTPResponse(status: status, headers: collector.headers, body: collector.body)
        }
    }

    // MARK: - Options

    private func configureTransfer(_ request: HTTPRequest, collector: UnsafeMutableRawPointer) throws {
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        // Timeouts must not use SIGALRM: signals and a multithreaded process do not mix.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout))
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_USERAGENT, "shiplog")
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))

        try set(CURLOPT_WRITEDATA, pointer: collector)
        try setDataCallback(CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
            collector.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        try set(CURLOPT_HEADERDATA, pointer: collector)
        try setDataCallback(CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
            collector.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        // The progress callback runs at least once a second even while nothing arrives, which
        // is what lets a cancelled task stop a transfer that is waiting on a silent server.
        try set(CURLOPT_NOPROGRESS, 0)
        try set(CURLOPT_XFERINFODATA, pointer: collector)
        try check(
            shiplog_curl_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION) { context, _, _, _, _ in
                guard let context else { return 0 }
                let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
                return collector.cancellation.isCancelled ? 1 : 0
            },
            CURLOPT_XFERINFOFUNCTION
        )
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws {
        let method = request.method
        if method == .head {
            try set(CURLOPT_NOBODY, 1)
            return
        }
        guard method == .post || !request.body.isEmpty else {
            if method == .get {
                try set(CURLOPT_HTTPGET, 1)
            } else {
                try set(CURLOPT_CUSTOMREQUEST, method.rawValue)
            }
            return
        }
        // COPYPOSTFIELDS copies exactly POSTFIELDSIZE_LARGE bytes, so the body may contain NUL
        // bytes and need not outlive this call; the size has to be set first.
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(request.body.count))
        if request.body.isEmpty {
            try "".withCString { try set(CURLOPT_COPYPOSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: $0)) }
        } else {
            try request.body.withUnsafeBytes { bytes in
                try set(CURLOPT_COPYPOSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
        }
        if method != .post {
            try set(CURLOPT_CUSTOMREQUEST, method.rawValue)
        }
    }

    /// Builds the header list into `list`, which the caller frees even when this throws halfway.
    private func appendHeaders(
        _ request: HTTPRequest,
        signing: AWSSigV4?,
        to list: inout UnsafeMutablePointer<curl_slist>?
    ) throws {
        var lines = request.headers.map { header in
            // "Name:" would tell libcurl to drop a header; "Name;" sends it with an empty value.
            header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
        }
        let sendsBody = request.method == .post || !request.body.isEmpty
        if sendsBody, !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
            // An empty Expect stops libcurl from waiting for "100 Continue" before large bodies.
            lines.append("Expect:")
        }
        if let token = signing?.credentials.sessionToken {
            lines.append("X-Amz-Security-Token: \(token)")
        }
        for line in lines {
            guard let extended = curl_slist_append(list, line) else {
                throw HTTPError(
                    code: .transport,
                    message: "libcurl could not build the header list for \(request.redactedURL); "
                        + "the process is out of memory",
                    url: request.redactedURL
                )
            }
            list = extended
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(shiplog_curl_setopt_long(handle, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(shiplog_curl_setopt_string(handle, option, value), option)
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(shiplog_curl_setopt_pointer(handle, option, pointer), option)
    }

    private func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws {
        try check(shiplog_curl_setopt_slist(handle, option, list), option)
    }

    private func set(_ option: CURLoption, offset: curl_off_t) throws {
        try check(shiplog_curl_setopt_off(handle, option, offset), option)
    }

    private func setDataCallback(_ option: CURLoption, _ callback: shiplog_curl_data_callback) throws {
        try check(shiplog_curl_setopt_data_callback(handle, option, callback), option)
    }

    /// Turns a refused option into an error naming the option, never its value.
    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code != CURLE_OK else { return }
        let name =
            curl_easy_option_by_id(option).flatMap { $0.pointee.name.map { String(cString: $0) } }
            ?? "\(option.rawValue)"
        let version = String(cString: curl_version())
        throw HTTPError(
            code: .transport,
            message: "libcurl refused option CURLOPT_\(name) (\(String(cString: curl_easy_strerror(code)))); "
                + "Shiplog needs libcurl 7.86 or newer with HTTP and TLS support, this is \(version)"
        )
    }

    // MARK: - Errors

    private func transferError(_ code: CURLcode, request: HTTPRequest, secrets: [String]) -> HTTPError {
        var detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        while let last = detail.last, last.isNewline || last == " " {
            detail.removeLast()
        }
        // libcurl may quote the URL or echo a credential; errors must show neither.
        detail = detail.replacing(request.url, with: request.redactedURL)
        for secret in secrets {
            detail = detail.replacing(secret, with: "<redacted>")
        }
        return .transferFailed(
            Self.errorCode(for: code),
            url: request.redactedURL,
            detail: detail,
            timeout: request.timeout
        )
    }

    private static func errorCode(for code: CURLcode) -> HTTPError.Code {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            .invalidURL
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            .timeout
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM:
            .connectionLost
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED:
            .tls
        default:
            .transport
        }
    }

    /// A time limit in whole milliseconds, at least 1: libcurl reads 0 as "no limit".
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(Int.max / 1000) - 1 else { return Int.max }
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
