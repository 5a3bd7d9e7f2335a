import Foundation

/// A consistency boundary of the ledger: the state folded from one stream's events.
///
/// Each aggregate also has a `decide` function (`static func decide(_:...)`), whose inputs
/// differ: it takes the command, this aggregate's state, whatever other state the rule needs
/// (the trust root for admin commands, ...) and `now`, and returns a `Decision` or throws a
/// `LedgerError`. Neither function does I/O or reads a clock.
public protocol Aggregate {
    associatedtype State: Sendable & Equatable
    /// The state of a stream with no events.
    static var initial: State { get }
    /// The state after `event`. Total: events that do not concern this aggregate are ignored,
    /// and recorded events are applied as they are (the log is the truth; rules live in `decide`).
    static func evolve(_ state: State, _ event: LedgerEvent) -> State
}

extension Aggregate {
    /// Folds `events` over `initial`.
    public static func replay<Events: Sequence>(_ events: Events) -> State
    where Events.Element == LedgerEvent {
        events.reduce(initial, evolve)
    }
}
