import Dispatch
import Foundation

/// The threads blocking libcurl transfers run on: a fixed set of serial dispatch queues.
///
/// Serial queues, not one concurrent queue: libdispatch caps a concurrent queue's threads near
/// the CPU count (four on a 2-core machine), so slow transfers would queue behind each other,
/// while every busy serial queue gets a thread of its own. Work goes to the lane with the fewest
/// transfers in flight; only when every lane is busy does a transfer wait for another.
final class TransferLanes: @unchecked Sendable {
    // @unchecked: `inFlight` is only touched under `lock`; the queues are Sendable.
    private let queues: [DispatchQueue]
    private let lock = NSLock()
    private var inFlight: [Int]

    /// Creates `count` lanes (at least one) labelled `label.0`, `label.1`, ...
    init(count: Int, label: String) {
        queues = (0..<max(1, count)).map { DispatchQueue(label: "\(label).\($0)", qos: .utility) }
        inFlight = Array(repeating: 0, count: queues.count)
    }

    /// Runs `work` on the least busy lane.
    func run(_ work: @escaping @Sendable () -> Void) {
        let lane = lock.withLock {
            let lane = inFlight.indices.min { inFlight[$0] < inFlight[$1] } ?? 0
            inFlight[lane] += 1
            return lane
        }
        queues[lane].async {
            work()
            self.lock.withLock { self.inFlight[lane] -= 1 }
        }
    }
}
