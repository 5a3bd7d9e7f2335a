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
    /// Folds `event` into `state`, in place (a long walk keeps big states, such as a service's
    /// builds, without copying them). Total: events that do not concern this aggregate are
    /// ignored, and recorded events are applied as they are (the log is the truth; rules live
    /// in `decide`).
    static func apply(_ event: LedgerEvent, to state: inout State)
}

extension Aggregate {
    /// The state after `event`.
    public static func evolve(_ state: State, _ event: LedgerEvent) -> State {
        var state = state
        apply(event, to: &state)
        return state
    }

    /// Folds `events` over `initial`.
    public static func replay<Events: Sequence>(_ events: Events) -> State
    where Events.Element == LedgerEvent {
        var state = initial
        for event in events { apply(event, to: &state) }
        return state
    }
}
