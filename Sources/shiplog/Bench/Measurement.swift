import Foundation

/// Timings of one benchmark scenario over several rounds.
struct Measurement {
    var name: String
    /// Events written in each round and how long each round took.
    var rounds: [(events: Int, seconds: Double)] = []
    /// Latency of each operation (one append, one insert, one batch), in seconds.
    var latencies: [Double] = []

    /// The median of the rounds' rates: one slow round on a shared machine does not decide.
    var medianEventsPerSecond: Double {
        median(rounds.map { Double($0.events) / $0.seconds })
    }

    var totalEvents: Int { rounds.reduce(0) { $0 + $1.events } }

    func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }
}

extension Measurement {
    /// Runs `operations` calls of `body` spread over `writers` concurrent tasks.
    static func measure(
        _ measurement: inout Measurement, operations: Int, writers: Int, eventsPerOperation: Int = 1,
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for writer in 0..<writers {
                let share = operations / writers + (writer < operations % writers ? 1 : 0)
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(share)
                    for _ in 0..<share {
                        let began = clock.now
                        try await body()
                        latencies.append((clock.now - began).seconds)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        measurement.rounds.append((operations * eventsPerOperation, (clock.now - start).seconds))
        measurement.latencies += latencies
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// How long `body` takes, in seconds.
func secondsTaken(_ body: () async throws -> Void) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    return (clock.now - start).seconds
}
