import Foundation

/// One CloudWatch alarm (stream `alarm-<name>`): whether it is raised.
///
/// Alarms repeat themselves (SNS redelivers, CloudWatch re-notifies): raising a raised alarm
/// or resolving a resolved one changes nothing.
public enum AlarmRecord: Aggregate {
    public struct State: Hashable, Sendable {
        public var alarm: AlarmName?
        /// The raise that is still open, if any.
        public var raised: LedgerEvent.AlarmRaised?
        public var lastResolvedAt: Date?

        public init() {}

        public var isRaised: Bool { raised != nil }
    }

    public enum Command: Hashable, Sendable {
        case raise(alarm: AlarmName, environment: Environment?, service: ServiceName?, reason: String?, changedAt: Date? = nil)
        case resolve(alarm: AlarmName, reason: String?)
    }

    public static var initial: State { State() }

    public static func decide(_ command: Command, state: State, now: Date) throws -> Decision {
        switch command {
        case .raise(let alarm, let environment, let service, let reason, let changedAt):
            if state.isRaised { return .nothing }
            let reason = try FreeText.optional(reason, what: "the alarm's reason")
            return Decision(
                stream: .alarm(alarm),
                events: [
                    .alarmRaised(
                        .init(
                            alarm: alarm, environment: environment, service: service, reason: reason,
                            changedAt: changedAt.map(LedgerTime.truncatedToMicroseconds), raisedAt: now))
                ])
        case .resolve(let alarm, let reason):
            guard let raised = state.raised else { return .nothing }
            let reason = try FreeText.optional(reason, what: "the alarm's reason")
            return Decision(
                stream: .alarm(alarm),
                events: [
                    .alarmResolved(
                        .init(
                            alarm: alarm, environment: raised.environment, service: raised.service, reason: reason,
                            resolvedAt: now))
                ])
        }
    }

    public static func apply(_ event: LedgerEvent, to state: inout State) {
        switch event {
        case .alarmRaised(let e):
            state.alarm = e.alarm
            state.raised = e
        case .alarmResolved(let e):
            state.alarm = e.alarm
            state.raised = nil
            state.lastResolvedAt = e.resolvedAt
        default:
            break
        }
    }
}
