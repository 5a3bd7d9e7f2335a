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
