import Foundation
import ShiplogCrypto
import ShiplogHTTP
import ShiplogLedger

/// Publishes checkpoints to an S3 bucket: `PREFIX/checkpoint` is the newest,
/// `PREFIX/checkpoints/SIZE` each one. Path-style requests, so an endpoint override (moto)
/// and real S3 take the same shape.
public struct S3Publisher: CheckpointPublisher {
    public let bucket: String
    public let prefix: String
    let http: HTTPClient
    let credentials: AWSCredentialSource
    let settings: AWSSettings

    /// - Parameter url: `s3://bucket` or `s3://bucket/prefix`.
    public init(url: String, http: HTTPClient, credentials: AWSCredentialSource, settings: AWSSettings) throws {
        let path = url.dropFirst("s3://".count).split(separator: "/", maxSplits: 1).map(String.init)
        guard let bucket = path.first, !bucket.isEmpty else {
            throw AWSError(.invalidRequest, "not an S3 location: \(url) (give s3://bucket/prefix)")
        }
        self.bucket = bucket
        self.prefix = path.count > 1 ? path[1].trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
        self.http = http
        self.credentials = credentials
        self.settings = settings
    }

    public var location: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }

    func key(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix)/\(name)" }

    public func latest() async throws -> String? {
        let response = try await send(.get, key("checkpoint"), body: [])
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure("read", response) }
        return String(decoding: response.body, as: UTF8.self)
    }

    public func publish(_ note: String, size: Int64) async throws {
        for name in ["checkpoints/\(size)", "checkpoint"] {
            let response = try await send(.put, key(name), body: Array(note.utf8))
            guard response.status == 200 else { throw failure("write", response) }
        }
    }

    private func send(_ method: HTTPMethod, _ key: String, body: [UInt8]) async throws -> HTTPResponse {
        let region = try settings.region(nil)
        let base =
            settings.endpoint == nil
            ? "https://s3.\(region).amazonaws.com/" : settings.endpoint(service: "s3", region: region)
        let escapedKey = key.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? String($0) }
            .joined(separator: "/")
        var headers: [(name: String, value: String)] = [("x-amz-content-sha256", Hex.encode(SHA256.hash(body)))]
        if method == .put { headers.append(("Content-Type", "text/plain; charset=utf-8")) }
        return try await http.send(
            HTTPRequest(method: method, url: base + bucket + "/" + escapedKey, headers: headers, body: body, timeout: .seconds(15)),
            retry: .default, signing: AWSSigV4(region: region, service: "s3", credentials: try await credentials.current()))
    }

    private func failure(_ what: String, _ response: HTTPResponse) -> AWSError {
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        return AWSError(
            response.status == 403 ? .accessDenied : .invalidRequest,
            "S3 would not \(what) the checkpoint in \(location) (HTTP \(response.status)): \(text)")
    }
}
