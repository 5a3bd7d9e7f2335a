import Foundation
import ShiplogCore

/// A CloudWatch alarm's state change, from either shape AWS sends it in: the JSON inside an SNS
/// notification's `Message` (decoded twice), or an EventBridge "CloudWatch Alarm State Change".
public struct CloudWatchAlarm: Sendable, Hashable {
    public var name: String
    /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
    public var state: String
    public var previousState: String?
    public var reason: String?
    /// When CloudWatch changed the state (`StateChangeTime`).
    public var changedAt: Date?
    /// The region as the payload gives it (SNS: a display name such as `US East (N. Virginia)`).
    public var region: String?
    public var arn: String?
    /// The dimensions of the alarm's metric(s).
    public var dimensions: [AlarmDimension]

    public init(
        name: String, state: String, previousState: String? = nil, reason: String? = nil, changedAt: Date? = nil,
        region: String? = nil, arn: String? = nil, dimensions: [AlarmDimension] = []
    ) {
        self.name = name
        self.state = state
        self.previousState = previousState
        self.reason = reason
        self.changedAt = changedAt
        self.region = region
        self.arn = arn
        self.dimensions = dimensions
    }

    /// The alarm JSON an SNS notification carries in `Message`.
    public static func fromSNS(message: String) throws -> CloudWatchAlarm {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(message.utf8))) as? [String: Any],
            let name = object["AlarmName"] as? String, let state = object["NewStateValue"] as? String
        else {
            throw SNSError(.malformed, "the SNS message is not a CloudWatch alarm (no AlarmName or NewStateValue)")
        }
        let trigger = object["Trigger"] as? [String: Any]
        let dimensions = (trigger?["Dimensions"] as? [[String: Any]] ?? []).compactMap { entry -> AlarmDimension? in
            guard let name = entry["name"] as? String, let value = entry["value"] as? String else { return nil }
            return AlarmDimension(name: name, value: value)
        }
        return CloudWatchAlarm(
            name: name, state: state, previousState: object["OldStateValue"] as? String,
            reason: object["NewStateReason"] as? String, changedAt: (object["StateChangeTime"] as? String).flatMap(parseTime),
            region: object["Region"] as? String, arn: object["AlarmArn"] as? String, dimensions: dimensions)
    }

    /// An EventBridge event of detail-type "CloudWatch Alarm State Change".
    public static func fromEventBridge(_ body: [UInt8]) throws -> CloudWatchAlarm {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            object["detail-type"] as? String == "CloudWatch Alarm State Change",
            let detail = object["detail"] as? [String: Any], let name = detail["alarmName"] as? String,
            let state = detail["state"] as? [String: Any], let value = state["value"] as? String
        else {
            throw SNSError(.malformed, "the body is not an EventBridge \"CloudWatch Alarm State Change\" event")
        }
        var dimensions: [AlarmDimension] = []
        let metrics = (detail["configuration"] as? [String: Any])?["metrics"] as? [[String: Any]] ?? []
        for metric in metrics {
            let inner = ((metric["metricStat"] as? [String: Any])?["metric"] as? [String: Any])?["dimensions"] as? [String: Any]
            for (name, value) in inner ?? [:] {
                if let value = value as? String { dimensions.append(AlarmDimension(name: name, value: value)) }
            }
        }
        return CloudWatchAlarm(
            name: name, state: value, previousState: (detail["previousState"] as? [String: Any])?["value"] as? String,
            reason: state["reason"] as? String, changedAt: (state["timestamp"] as? String).flatMap(parseTime),
            region: object["region"] as? String, arn: (object["resources"] as? [String])?.first,
            dimensions: dimensions.sorted { ($0.name, $0.value) < ($1.name, $1.value) })
    }

    /// CloudWatch's times: `2015-06-03T17:43:27.123+0000` (no colon in the offset) or RFC 3339.
    static func parseTime(_ text: String) -> Date? {
        var text = text
        if text.count > 5, let last = text.last, last.isNumber {
            let offset = text.suffix(5)
            if offset.first == "+" || offset.first == "-", offset.dropFirst().allSatisfy(\.isNumber) {
                text.insert(":", at: text.index(text.endIndex, offsetBy: -2))
            }
        }
        return LedgerTime.parse(text)
    }
}
