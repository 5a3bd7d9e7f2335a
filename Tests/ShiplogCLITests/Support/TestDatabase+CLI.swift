import Foundation
import ShiplogPostgres
import ShiplogTestSupport

/// What the command-line tests add to the shared test database: logins as libpq strings, for
/// DATABASE_URL.
extension TestDatabase {
    /// A new login role holding shiplog_app and nothing else (`CREATE ROLE ... LOGIN; GRANT
    /// shiplog_app TO ...`, the README's whole set-up for a user), and the libpq string for
    /// this database as that role. Roles are cluster-wide and tests run in parallel: each call
    /// makes a role of its own, and shiplog_app is created if no migration has made it yet.
    func applicationLoginURL() async throws -> String {
        let role = "shiplog_deployer_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await connect()
        try await admin.execute(
            unsafeSQL: """
                DO $$
                BEGIN
                    CREATE ROLE shiplog_app NOLOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END
                $$;
                CREATE ROLE \(role) LOGIN;
                GRANT shiplog_app TO \(role);
                """)
        return "\(conninfo) user=\(role)"
    }

    /// Hands this database to a new login role that is no superuser and may create roles (the
    /// owner the README sets up), and returns the libpq string for this database as that role.
    func ownerLogin() async throws -> String {
        let role = "shiplog_owner_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await connect().execute(unsafeSQL: "CREATE ROLE \(role) LOGIN CREATEROLE; ALTER DATABASE \(name) OWNER TO \(role)")
        return "\(conninfo) user=\(role)"
    }

    /// Runs SQL as the superuser with the append-only triggers off, as an attacker would.
    func tamper(_ sql: String) async throws {
        let connection = try await connect()
        try await connection.execute(unsafeSQL: "SET session_replication_role = replica; \(sql)")
    }

    /// The attacker's second step after changing a row (`tamper`): every hash from `position`
    /// on recomputed with the canonical encoding, and the head set to the last, so the chain is
    /// whole again.
    func rehashChain(from position: Int64) async throws {
        try await tamper(
            """
            DO $$
            DECLARE e events; previous bytea;
            BEGIN
                SELECT hash INTO previous FROM events WHERE position = \(position) - 1;
                FOR e IN SELECT * FROM events WHERE position >= \(position) ORDER BY position LOOP
                    previous := sha256(previous || int8send(e.position) || uuid_send(e.id) || shiplog_str(e.stream)
                        || int8send(e.stream_version) || shiplog_str(e.type) || shiplog_str(e.payload::text)
                        || shiplog_str(e.metadata::text) || int8send((extract(epoch FROM e.recorded_at) * 1000000)::bigint)
                        || shiplog_str(e.actor));
                    UPDATE events SET hash = previous, prev_hash = (SELECT hash FROM events WHERE position = e.position - 1)
                     WHERE position = e.position;
                END LOOP;
                UPDATE shiplog_head SET hash = previous;
            END
            $$;
            """)
    }
}
