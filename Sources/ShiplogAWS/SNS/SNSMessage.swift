import Foundation

/// A message SNS posts to an HTTP(S) subscription. The body is JSON whatever its Content-Type
/// says (`text/plain`); `Type` says which kind it is (moto sends no `x-amz-sns-message-type`).
public struct SNSMessage: Sendable, Hashable, Decodable {
    public enum Kind: String, Sendable, Hashable, Decodable {
        case subscriptionConfirmation = "SubscriptionConfirmation"
        case notification = "Notification"
        case unsubscribeConfirmation = "UnsubscribeConfirmation"
    }

    public var type: Kind
    public var messageID: String
    public var topicArn: String
    public var subject: String?
    public var message: String
    public var timestamp: String
    public var signatureVersion: String
    public var signature: String
    public var signingCertURL: String
    public var subscribeURL: String?
    public var token: String?
    public var unsubscribeURL: String?

    private enum CodingKeys: String, CodingKey {
        case type = "Type", messageID = "MessageId", topicArn = "TopicArn", subject = "Subject", message = "Message"
        case timestamp = "Timestamp", signatureVersion = "SignatureVersion", signature = "Signature"
        case signingCertURL = "SigningCertURL", subscribeURL = "SubscribeURL", token = "Token"
        case unsubscribeURL = "UnsubscribeURL"
    }

    /// Parses a posted body; throws `SNSError(.malformed)` saying what is wrong.
    public static func parse(_ body: [UInt8]) throws -> SNSMessage {
        do {
            return try JSONDecoder().decode(SNSMessage.self, from: Data(body))
        } catch DecodingError.keyNotFound(let key, _) {
            throw SNSError(.malformed, "the SNS message has no \(key.stringValue)")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.last?.stringValue == "Type" {
            throw SNSError(.malformed, "the SNS message's Type is not SubscriptionConfirmation, Notification or UnsubscribeConfirmation")
        } catch {
            throw SNSError(.malformed, "the body is not an SNS message (JSON with Type, MessageId, TopicArn, Message, Signature)")
        }
    }

    /// The text SNS signed: `key\nvalue\n` for each present key, in AWS's order.
    public var stringToSign: String {
        var pairs: [(String, String?)] = [("Message", message), ("MessageId", messageID)]
        switch type {
        case .notification:
            pairs += [("Subject", subject), ("Timestamp", timestamp), ("TopicArn", topicArn), ("Type", type.rawValue)]
        case .subscriptionConfirmation, .unsubscribeConfirmation:
            pairs += [
                ("SubscribeURL", subscribeURL), ("Timestamp", timestamp), ("Token", token), ("TopicArn", topicArn),
                ("Type", type.rawValue),
            ]
        }
        return pairs.compactMap { key, value in value.map { "\(key)\n\($0)\n" } }.joined()
    }

    /// The topic's region (`arn:aws:sns:<region>:<account>:<name>`).
    public var region: String? {
        let parts = topicArn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 6 ? String(parts[3]) : nil
    }
}

/// Why an SNS message was refused. Nothing refused is recorded anywhere.
public struct SNSError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed
        case topicNotAllowed
        case badCertificateURL
        case certificateUnavailable
        case badSignature
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
