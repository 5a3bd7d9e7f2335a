import Crypto
import CryptoExtras
import Foundation
import ShiplogHTTP
import X509

/// Checks that an SNS message came from SNS for a topic Shiplog listens to, before anything
/// reads it: the topic is on the allow list (`SHIPLOG_SNS_TOPIC_ARNS`); the signing certificate's
/// URL is https, ends in `.pem` and is on an `sns.<region>.amazonaws.com` host; the certificate
/// is current; and the signature (`SignatureVersion` 1: SHA1withRSA, 2: SHA256withRSA) verifies
/// over the message's string to sign.
///
/// Certificates are fetched once per URL and kept. With `SHIPLOG_AWS_ENDPOINT` set, the fetch
/// goes there instead, to the URL's path, SigV4-signed for `sns` (moto serves its own certificate
/// that way, so tests verify its real signatures). Certificates may also be pinned from files:
/// then only those are trusted and nothing is fetched.
public actor SNSVerifier {
    public let allowedTopics: Set<String>
    private let http: HTTPClient
    private let settings: AWSSettings
    private let credentials: AWSCredentialSource?
    private let pinned: [Certificate]
    private var cache: [String: Certificate] = [:]

    public init(
        allowedTopics: Set<String>, http: HTTPClient, settings: AWSSettings, credentials: AWSCredentialSource?,
        pinnedPEM: [String] = []
    ) throws {
        self.allowedTopics = allowedTopics
        self.http = http
        self.settings = settings
        self.credentials = credentials
        self.pinned = try pinnedPEM.map { pem in
            do { return try Certificate(pemEncoded: pem) } catch {
                throw SNSError(.certificateUnavailable, "a pinned SNS certificate is not a PEM certificate: \(error)")
            }
        }
    }

    /// Throws `SNSError` saying why `message` is not to be believed.
    public func verify(_ message: SNSMessage, now: Date = Date()) async throws {
        guard allowedTopics.contains(message.topicArn) else {
            throw SNSError(.topicNotAllowed, "topic \(message.topicArn) is not on SHIPLOG_SNS_TOPIC_ARNS")
        }
        try Self.checkCertificateURL(message.signingCertURL)
        guard let signature = Data(base64Encoded: message.signature), !signature.isEmpty else {
            throw SNSError(.badSignature, "the SNS signature is not base64")
        }
        let certificates = pinned.isEmpty ? [try await certificate(message.signingCertURL, region: message.region)] : pinned
        let text = Data(message.stringToSign.utf8)
        for certificate in certificates {
            guard now >= certificate.notValidBefore, now <= certificate.notValidAfter,
                let key = _RSA.Signing.PublicKey(certificate.publicKey)
            else { continue }
            let rsa = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let valid: Bool
            switch message.signatureVersion {
            case "1": valid = key.isValidSignature(rsa, for: Insecure.SHA1.hash(data: text), padding: .insecurePKCS1v1_5)
            case "2": valid = key.isValidSignature(rsa, for: SHA256.hash(data: text), padding: .insecurePKCS1v1_5)
            default: throw SNSError(.badSignature, "unknown SNS SignatureVersion \(message.signatureVersion)")
            }
            if valid { return }
        }
        throw SNSError(.badSignature, "the SNS signature does not verify with the signing certificate")
    }

    /// SNS's own rule for certificate URLs: https, a `.pem` path, an `sns.<region>.amazonaws.com`
    /// host (`.com.cn` in China).
    public static func checkCertificateURL(_ text: String) throws {
        guard let url = URL(string: text), url.scheme == "https", let host = url.host, url.path.hasSuffix(".pem"),
            host.wholeMatch(of: /sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?/) != nil
        else {
            throw SNSError(.badCertificateURL, "the SNS SigningCertURL \(text) is not an https .pem URL on an sns.<region>.amazonaws.com host")
        }
    }

    private func certificate(_ urlText: String, region: String?) async throws -> Certificate {
        if let cached = cache[urlText] { return cached }
        let url = URL(string: urlText)!
        var signing: AWSSigV4?
        var target = urlText
        if settings.endpoint != nil {
            let base = settings.endpoint(service: "sns", region: region ?? "us-east-1")
            target = String(base.dropLast()) + url.path
            let keys =
                (try? await credentials?.current()) ?? AWSCredentials(accessKeyId: "shiplog", secretAccessKey: "shiplog")
            signing = AWSSigV4(region: region ?? "us-east-1", service: "sns", credentials: keys)
        }
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(url: target, timeout: .seconds(5)), signing: signing)
        } catch {
            throw SNSError(.certificateUnavailable, "could not fetch the SNS signing certificate \(urlText): \(error)")
        }
        guard response.status == 200, let pem = String(bytes: response.body, encoding: .utf8),
            let certificate = try? Certificate(pemEncoded: pem)
        else {
            throw SNSError(
                .certificateUnavailable, "the SNS signing certificate \(urlText) could not be fetched (HTTP \(response.status))")
        }
        cache[urlText] = certificate
        return certificate
    }
}
