import ShiplogCrypto

/// One schema change: a `migrations/NNNN_name.sql` file.
public struct Migration: Sendable, Hashable {
    /// The file name, e.g. `0001_event_store.sql`; migrations apply in name order.
    public var name: String
    public var sql: String
    /// SHA-256 of the file's bytes, lowercase hex: recorded when applied, checked ever after.
    public var checksum: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        self.checksum = Hex.encode(SHA256.hash(Array(sql.utf8)))
    }

    /// The migrations compiled into this binary from the package's `migrations/` folder.
    public static let bundled: [Migration] = EmbeddedMigrations.all.map { Migration(name: $0.name, sql: $0.sql) }

    /// The re-appliable projection code compiled in from `projections/`: applied after the
    /// migrations, and again whenever a file's text changed.
    public static let bundledProjections: [Migration] = EmbeddedMigrations.projections.map {
        Migration(name: "projections/" + $0.name, sql: $0.sql)
    }
}
