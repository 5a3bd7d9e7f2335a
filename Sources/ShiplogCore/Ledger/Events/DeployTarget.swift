import Foundation

/// Where a service runs in an environment — an ECS service in a cluster — and what watches it:
/// the CloudWatch alarms whose `ALARM` means a deploy went bad, how long after a deploy
/// finishes they are held against it, and whether that rolls it back without a person.
///
/// The watch fields came later: left out of the payload when unset, so targets recorded before
/// them read (and hash) exactly as written.
public struct DeployTarget: Hashable, Sendable, Codable {
    public var cluster: String
    public var ecsService: String
    /// The AWS region; nil means the server's default.
    public var region: String?
    /// Alarms watching this service, by name.
    public var alarms: [AlarmName]?
    /// Alarms watching this service, by a metric dimension they carry (`ServiceName=web`):
    /// any alarm whose trigger has all of them.
    public var alarmDimensions: [AlarmDimension]?
    /// How long after a deploy finishes an alarm counts against it; nil: 30 minutes.
    public var watchSeconds: Int?
    /// True: an alarm within the watch window rolls the deploy back (when the environment's
    /// policy allows automatic rollback). Nil or false: the alarm is recorded, a person decides.
    public var autoRollback: Bool?

    /// The payload's JSON keys: renaming a property must not rename its key.
    private enum CodingKeys: String, CodingKey {
        case cluster, ecsService, region, alarms, alarmDimensions, watchSeconds, autoRollback
    }

    /// The watch window when none is set.
    public static let defaultWatchSeconds = 1800
    /// The longest watch window: a week.
    public static let maximumWatchSeconds = 7 * 86_400

    public init(
        cluster: String, ecsService: String, region: String?, alarms: [AlarmName] = [],
        alarmDimensions: [AlarmDimension] = [], watchSeconds: Int? = nil, autoRollback: Bool = false
    ) {
        self.cluster = cluster
        self.ecsService = ecsService
        self.region = region
        self.alarms = alarms.isEmpty ? nil : alarms
        self.alarmDimensions = alarmDimensions.isEmpty ? nil : alarmDimensions
        self.watchSeconds = watchSeconds
        self.autoRollback = autoRollback ? true : nil
    }

    /// The watch window in seconds.
    public var watch: Int { watchSeconds ?? Self.defaultWatchSeconds }
    public var rollsBackAutomatically: Bool { autoRollback ?? false }

    /// Whether an alarm named `name`, whose trigger carries `dimensions`, watches this target.
    public func isWatched(by name: AlarmName, dimensions: [AlarmDimension]) -> Bool {
        if alarms?.contains(name) == true { return true }
        guard let wanted = alarmDimensions, !wanted.isEmpty else { return false }
        return wanted.allSatisfy { dimensions.contains($0) }
    }
}

/// A CloudWatch metric dimension, `name=value` (`ServiceName=web`).
public struct AlarmDimension: Hashable, Sendable, Codable, CustomStringConvertible {
    public var name: String
    public var value: String

    private enum CodingKeys: String, CodingKey { case name, value }

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Parses `Name=value`.
    public init(_ text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex
        else {
            throw LedgerError(
                .invalidValue, "invalid alarm dimension \(LedgerError.quoted(text)): write it as Name=value, e.g. ServiceName=web")
        }
        self.init(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }

    public var description: String { "\(name)=\(value)" }
}
