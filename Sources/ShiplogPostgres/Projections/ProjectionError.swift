/// The projections could not be brought up to date or read. Nothing half-applied stays
/// behind: a batch and its checkpoint commit together or not at all.
public struct ProjectionError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The database error underneath, when there is one.
    public var underlying: PostgresError?

    init(_ description: String, underlying: PostgresError? = nil) {
        self.description = description
        self.underlying = underlying
    }

    /// Explains a database error met while projecting or querying.
    static func wrapping(_ error: any Error, doing what: String) -> any Error {
        guard let error = error as? PostgresError, error.code == .server else { return error }
        if error.sqlState == "42P01" || error.sqlState == "42883" {
            return ProjectionError(
                "\(what) failed: the projection tables are missing (\(error.message)); run: shiplog migrate",
                underlying: error
            )
        }
        return ProjectionError("\(what) failed: \(error)", underlying: error)
    }
}
