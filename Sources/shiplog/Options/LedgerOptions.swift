import ArgumentParser
import ShiplogPostgres

extension DatabaseOptions {
    /// The ledger's command side on this database.
    func ledger() async throws -> LedgerService {
        LedgerService(store: LedgerStore(events: EventStore(pool: try await open(maximumConnections: 2))))
    }
}

/// Durations as people write them: 90s, 15m, 1h, 2d.
enum DurationArgument {
    static func seconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last, let scale = units[unit], let value = Int(text.dropLast()), value > 0 else {
            if let plain = Int(text), plain > 0 { return plain }
            throw ValidationError("'\(text)' is not a duration: write it like 90s, 15m, 1h or 2d")
        }
        return value * scale
    }
}
