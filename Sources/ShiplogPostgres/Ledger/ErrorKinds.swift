import ShiplogCore

// What kind of failure each error of the storage below the ledger is (`ErrorKind`), so every
// door maps errors once.

extension PostgresError: ClassifiedError {
    public var kind: ErrorKind {
        if code == .invalidConfiguration { return .invalidInput }
        if isConnectionProblem { return .unavailable }
        if isTimeout || sqlState == "40001" || sqlState == "40P01" || sqlState == "SL001" { return .retry }
        if sqlState == "42501" { return .refused }
        if sqlState?.hasPrefix("22") == true { return .invalidInput }
        return .failure
    }
}

extension AppendError: ClassifiedError {
    public var kind: ErrorKind {
        switch code {
        case .wrongExpectedVersion: .retry
        case .idReused: .refused
        case .invalidRequest: .invalidInput
        }
    }
}

extension EventStoreError: ClassifiedError {
    public var kind: ErrorKind { .notFound }
}

extension ProjectionError: ClassifiedError {
    public var kind: ErrorKind { underlying?.kind ?? .failure }
}

extension MigrationError: ClassifiedError {
    /// The database refuses to go on until someone acts: migrate, restore a file, use the owner.
    public var kind: ErrorKind { .refused }
}

extension EmbeddedPostgresError: ClassifiedError {
    public var kind: ErrorKind { .unavailable }
}
