import Foundation
import ShiplogCore

/// The questions users ask of the ledger, answered from the projection tables
/// (`Projector` keeps them; call `catchUp()` first to include the newest events).
///
/// Each query is a handful of index lookups, and PostgreSQL builds the result as one JSON
/// document whose keys are the result type's field names, decoded in one go.
public struct LedgerQueries: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// `shiplog status`: every service of every environment (or of `environment`), by
    /// environment and service name.
    ///
    /// What runs is the newest succeeded deploy not rolled back, the last known good the one
    /// before it (as ShiplogCore's `ServiceEnvironment.State.releases`); the deploy in flight is
    /// the one requested, started or rolling back.
    public func status(environment: String? = nil) async throws -> [ServiceStatus] {
        try await fetch(
            [ServiceStatus].self,
            doing: "reading the status",
            """
            SELECT coalesce(json_agg(json_build_object(
                       'environment', s.environment,
                       'service', s.service,
                       'version', r.version,
                       'artifact', r.artifact,
                       'deployedBy', coalesce(r.started_by, r.finished_by),
                       'deployedAt', r.succeeded_at,
                       'deployID', r.id,
                       'approvers', coalesce(r.counted_approvers, r.approvers, '{}'),
                       'breakGlass', coalesce(r.break_glass, false),
                       'lastKnownGood', CASE WHEN g.id IS NOT NULL THEN json_build_object(
                           'deployID', g.id, 'version', g.version, 'artifact', g.artifact,
                           'deployedBy', coalesce(g.started_by, g.finished_by), 'deployedAt', g.succeeded_at) END,
                       'activeAlarms', coalesce((
                           SELECT json_agg(a.alarm ORDER BY a.alarm) FROM active_alarms a
                            WHERE a.environment = s.environment AND (a.service IS NULL OR a.service = s.service)), '[]'),
                       'locks', coalesce((
                           SELECT json_agg(json_build_object(
                                      'scope', CASE WHEN l.service = '' THEN 'environment' ELSE 'service' END,
                                      'lockedBy', l.locked_by, 'reason', l.reason, 'since', l.locked_at)
                                  ORDER BY l.service)
                             FROM environment_locks l
                            WHERE l.environment = s.environment AND l.service IN ('', s.service)), '[]'),
                       'inFlight', CASE WHEN f.id IS NULL THEN NULL
                           WHEN f.outcome = 'rolling_back' THEN json_build_object(
                               'deployID', f.id, 'purpose', 'rollback', 'status', f.outcome,
                               'version', f.rollback_to_version, 'artifact', f.rollback_to_artifact,
                               'openedBy', f.rollback_started_by, 'openedAt', f.rollback_started_at)
                           ELSE json_build_object(
                               'deployID', f.id, 'purpose', 'deploy', 'status', f.outcome,
                               'version', f.version, 'artifact', f.artifact,
                               'openedBy', f.requester, 'openedAt', f.requested_at) END
                   ) ORDER BY s.environment, s.service), '[]')::text
              FROM environment_services s
              LEFT JOIN LATERAL (
                  SELECT * FROM deploy_history d
                   WHERE d.environment = s.environment AND d.service = s.service
                     AND d.succeeded_at IS NOT NULL AND d.outcome <> 'rolled_back'
                   ORDER BY d.succeeded_at DESC LIMIT 1) AS r ON true
              LEFT JOIN LATERAL (
                  SELECT * FROM deploy_history d
                   WHERE d.environment = s.environment AND d.service = s.service
                     AND d.succeeded_at IS NOT NULL AND d.outcome <> 'rolled_back'
                   ORDER BY d.succeeded_at DESC OFFSET 1 LIMIT 1) AS g ON true
              LEFT JOIN LATERAL (
                  SELECT * FROM deploy_history d
                   WHERE d.environment = s.environment AND d.service = s.service
                     AND d.outcome IN ('requested', 'started', 'rolling_back')
                   ORDER BY d.requested_at DESC LIMIT 1) AS f ON true
             WHERE (\(environment)::text IS NULL OR s.environment = \(environment))
            """
        )
    }

    /// `shiplog history`: deploys matching `filter`, newest request first.
    public func history(_ filter: HistoryFilter = HistoryFilter()) async throws -> [DeployHistoryEntry] {
        // Fixed SQL, values as binds $1...$7: the planner sees them, so unused filters fold away.
        let binds: [String?] = [
            filter.actor, filter.environment, filter.service, filter.outcome?.rawValue,
            filter.since.map(LedgerTime.payloadString), filter.until.map(LedgerTime.payloadString),
            String(max(0, filter.limit)),
        ]
        let sql =
            if filter.actor == nil {
                Self.historySQL
            } else if filter.environment != nil && filter.service != nil {
                Self.historyByActorInPlaceSQL
            } else {
                Self.historyByActorSQL
            }
        return try await fetch(
            [DeployHistoryEntry].self,
            doing: "reading the deploy history",
            PostgresQuery(unsafeSQL: sql, binds: binds)
        )
    }

    /// The filters of `history` on deploy_history row `d`, binds $2...$6.
    private static let historyConditions = """
        ($2::text IS NULL OR d.environment = $2) AND ($3::text IS NULL OR d.service = $3)
        AND ($4::text IS NULL OR d.outcome = $4)
        AND ($5::timestamptz IS NULL OR d.requested_at >= $5) AND ($6::timestamptz IS NULL OR d.requested_at < $6)
        """

    private static let historySQL = """
        SELECT coalesce(json_agg(\(historyObject) ORDER BY h.requested_at DESC, h.id DESC), '[]')::text
          FROM (SELECT * FROM deploy_history d
                 WHERE $1::text IS NULL AND \(historyConditions)
                 ORDER BY d.requested_at DESC, d.id DESC
                 LIMIT $7::bigint) AS h
        """

    /// The newest deploys of one service in one environment the person took part in: few
    /// enough to check each (the roles of `deploy_participants`, from the row itself).
    private static let historyByActorInPlaceSQL = """
        SELECT coalesce(json_agg(\(historyObject) ORDER BY h.requested_at DESC, h.id DESC), '[]')::text
          FROM (SELECT * FROM deploy_history d
                 WHERE \(historyConditions)
                   AND (d.requester = $1 OR d.started_by = $1 OR $1 = ANY (d.approvers)
                        OR (d.outcome IN ('rejected', 'cancelled') AND d.finished_by = $1)
                        OR d.rollback_started_by = $1 OR d.rollback_finished_by = $1)
                 ORDER BY d.requested_at DESC, d.id DESC
                 LIMIT $7::bigint) AS h
        """

    /// The newest deploys the person requested, started, or took part in otherwise, each
    /// through its own index, merged.
    private static let historyByActorSQL = """
        SELECT coalesce(json_agg(\(historyObject) ORDER BY h.requested_at DESC, h.id DESC), '[]')::text
          FROM deploy_history h
         WHERE h.id IN (
                   SELECT u.id FROM (
                       (SELECT d.id, d.requested_at FROM deploy_history d
                         WHERE d.requester = $1 AND \(historyConditions)
                         ORDER BY d.requested_at DESC, d.id DESC LIMIT $7::bigint)
                       UNION
                       (SELECT d.id, d.requested_at FROM deploy_history d
                         WHERE d.started_by = $1 AND \(historyConditions)
                         ORDER BY d.requested_at DESC, d.id DESC LIMIT $7::bigint)
                       UNION
                       (SELECT DISTINCT ON (p.requested_at, p.deploy_id) d.id, d.requested_at
                          FROM deploy_participants p JOIN deploy_history d ON d.id = p.deploy_id
                         WHERE p.actor = $1
                           AND ($5::timestamptz IS NULL OR p.requested_at >= $5)
                           AND ($6::timestamptz IS NULL OR p.requested_at < $6)
                           AND \(historyConditions)
                         ORDER BY p.requested_at DESC, p.deploy_id DESC LIMIT $7::bigint)) AS u
                    ORDER BY u.requested_at DESC, u.id DESC
                    LIMIT $7::bigint)
        """

    /// One deploy by id (`shiplog show`), nil when the projections do not know it.
    public func deploy(id: String) async throws -> DeployHistoryEntry? {
        try await fetch(
            [DeployHistoryEntry].self,
            doing: "reading deploy \(id)",
            """
            SELECT coalesce(json_agg(\(unsafeRaw: Self.historyObject)), '[]')::text
              FROM deploy_history h WHERE h.id = \(id)
            """
        ).first
    }

    /// `shiplog audit --actor`: what `actor` did, oldest first; with `limit`, only the newest
    /// `limit` of it. `since` and `until` bound the recorded time. Rows written in `actor`'s
    /// name that do not count say why (`notCounted`): the audit shows attempts, not only acts.
    public func audit(actor: String, since: Date? = nil, until: Date? = nil, limit: Int? = nil) async throws
        -> [AuditEntry]
    {
        let since = since.map(LedgerTime.payloadString)
        let until = until.map(LedgerTime.payloadString)
        let rows = try await fetch(
            [AuditRow].self,
            doing: "reading what \(actor) did",
            """
            SELECT coalesce(json_agg(json_build_object(
                       'position', a.position, 'at', a.recorded_at, 'actor', a.person, 'type', a.type,
                       'stream', a.stream, 'payload', a.payload::text,
                       'notCounted', (SELECT s.reason FROM skipped_events s WHERE s.position = a.position))
                       ORDER BY a.position), '[]')::text
              FROM (SELECT e.*, shiplog_event_person(e.type, e.actor, e.payload) AS person FROM events e
                     WHERE shiplog_event_person(e.type, e.actor, e.payload) = \(actor)
                       AND (\(since)::timestamptz IS NULL OR e.recorded_at >= \(since)::timestamptz)
                       AND (\(until)::timestamptz IS NULL OR e.recorded_at < \(until)::timestamptz)
                     ORDER BY e.position DESC
                     LIMIT \(limit)) AS a
            """
        )
        // The one wording of an event (`LedgerEvent.summary`); a row that is no event of the
        // ledger's shows its type.
        return rows.map { row in
            AuditEntry(
                position: row.position, at: row.at, actor: row.actor, type: row.type, stream: row.stream,
                summary: (try? LedgerEvent.decode(type: row.type, payloadJSON: row.payload))?.summary ?? row.type,
                notCounted: row.notCounted)
        }
    }

    /// A row of `audit` as the database gives it.
    private struct AuditRow: Decodable, Sendable {
        var position: Int64
        var at: Date
        var actor: String
        var type: String
        var stream: String
        var payload: String
        var notCounted: String?
    }

    /// `shiplog target list`: the newest counted target of each service in each environment
    /// (or of `environment`), by environment and service.
    public func targets(environment: String? = nil) async throws -> [LedgerEvent.TargetSet] {
        let rows: [String]
        do {
            rows = try await pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT DISTINCT ON (e.stream) e.payload::text FROM events e
                     WHERE e.type = 'TargetSet'
                       AND (\(environment)::text IS NULL OR e.payload->>'environment' = \(environment)::text)
                       AND NOT EXISTS (SELECT 1 FROM skipped_events s WHERE s.position = e.position)
                     ORDER BY e.stream, e.position DESC
                    """
                ).map { try $0.decode(String.self, at: 0) }
            }
        } catch {
            throw ProjectionError.wrapping(error, doing: "reading the deploy targets")
        }
        return try rows.compactMap { payload -> LedgerEvent.TargetSet? in
            guard case .targetSet(let target) = try LedgerEvent.decode(type: "TargetSet", payloadJSON: payload) else { return nil }
            return target
        }.sorted { ($0.environment.rawValue, $0.service.rawValue) < ($1.environment.rawValue, $1.service.rawValue) }
    }

    /// Of `positions`, those the projector recorded as not counting, with the reason.
    public func notCounted(_ positions: [Int64]) async throws -> [Int64: String] {
        guard !positions.isEmpty else { return [:] }
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT position, reason FROM skipped_events WHERE position = ANY(\(positions)::bigint[])")
        }
        return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((Int64, String).self) })
    }

    /// `shiplog metrics`: the DORA metrics of each environment (or of `environment`) over
    /// `since ..< until`. Environments with no deploy at all are not listed.
    public func metrics(environment: String? = nil, since: Date, until: Date = Date()) async throws
        -> [EnvironmentMetrics]
    {
        guard until > since else {
            throw ProjectionError(
                "the metrics window is empty: it starts at \(LedgerTime.secondsString(since)) and ends at \(LedgerTime.secondsString(until)); pass a --since before the end"
            )
        }
        let from = LedgerTime.payloadString(since)
        let to = LedgerTime.payloadString(until)
        let days = until.timeIntervalSince(since) / 86_400
        return try await fetch(
            [EnvironmentMetrics].self,
            doing: "computing the metrics",
            """
            WITH envs AS (
                SELECT s.environment FROM environment_services s
                 WHERE (\(environment)::text IS NULL OR s.environment = \(environment))
                 GROUP BY s.environment
                HAVING EXISTS (SELECT 1 FROM deploy_history d WHERE d.environment = s.environment)
            ),
            -- Successes in the window: frequency, lead time, and those rolled back since.
            succeeded AS (
                SELECT d.environment, count(*) AS deploys,
                       count(*) FILTER (WHERE d.rollback_started_at IS NOT NULL) AS rolled_back,
                       count(b.recorded_at) AS lead_samples,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.succeeded_at - b.recorded_at)::float8) AS lead_median
                  FROM deploy_history d
                  LEFT JOIN builds b ON b.service = d.service AND b.version = d.version AND NOT d.allow_unrecorded
                 WHERE (\(environment)::text IS NULL OR d.environment = \(environment))
                   AND d.succeeded_at >= \(from)::timestamptz AND d.succeeded_at < \(to)::timestamptz
                 GROUP BY d.environment
            ),
            failed AS (
                SELECT d.environment, count(*) AS failed
                  FROM deploy_history d
                 WHERE (\(environment)::text IS NULL OR d.environment = \(environment))
                   AND d.failed_at >= \(from)::timestamptz AND d.failed_at < \(to)::timestamptz
                 GROUP BY d.environment
            ),
            -- A failed deploy, or a rollback an alarm started.
            incidents AS (
                SELECT d.environment, d.service, d.failed_at AS at
                  FROM deploy_history d
                 WHERE (\(environment)::text IS NULL OR d.environment = \(environment))
                   AND d.failed_at >= \(from)::timestamptz AND d.failed_at < \(to)::timestamptz
                UNION ALL
                SELECT d.environment, d.service, d.rollback_started_at
                  FROM deploy_history d
                 WHERE (\(environment)::text IS NULL OR d.environment = \(environment))
                   AND d.rollback_alarm IS NOT NULL
                   AND d.rollback_started_at >= \(from)::timestamptz AND d.rollback_started_at < \(to)::timestamptz
            ),
            -- Restored by the next success of that service there, a deploy or a rollback.
            restore_times AS (
                SELECT i.environment,
                       (SELECT extract(epoch FROM min(x.at) - i.at)::float8
                          FROM ((SELECT s.succeeded_at AS at FROM deploy_history s
                                  WHERE s.environment = i.environment AND s.service = i.service
                                    AND s.succeeded_at IS NOT NULL AND s.succeeded_at > i.at
                                  ORDER BY s.succeeded_at LIMIT 1)
                                UNION ALL
                                (SELECT s.rollback_finished_at FROM deploy_history s
                                  WHERE s.environment = i.environment AND s.service = i.service
                                    AND s.outcome = 'rolled_back' AND s.rollback_finished_at > i.at
                                  ORDER BY s.rollback_finished_at LIMIT 1)) AS x
                         WHERE x.at <= \(to)::timestamptz) AS seconds
                  FROM incidents i
            ),
            restore_stats AS (
                SELECT environment, count(*) AS incidents, count(seconds) AS restored, avg(seconds) AS mean,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median
                  FROM restore_times
                 GROUP BY environment
            )
            SELECT coalesce(json_agg(json_build_object(
                       'environment', e.environment,
                       'since', \(from)::timestamptz,
                       'until', \(to)::timestamptz,
                       'days', \(days)::float8,
                       'deploys', coalesce(s.deploys, 0),
                       'deployFrequencyPerDay', coalesce(s.deploys, 0) / \(days)::float8,
                       'leadTimeMedianSeconds', s.lead_median,
                       'leadTimeSamples', coalesce(s.lead_samples, 0),
                       'finishedDeploys', coalesce(s.deploys, 0) + coalesce(f.failed, 0),
                       'failedDeploys', coalesce(s.rolled_back, 0) + coalesce(f.failed, 0),
                       'changeFailureRate', CASE WHEN coalesce(s.deploys, 0) + coalesce(f.failed, 0) > 0
                           THEN (coalesce(s.rolled_back, 0) + coalesce(f.failed, 0))::float8
                                / (coalesce(s.deploys, 0) + coalesce(f.failed, 0)) END,
                       'incidents', coalesce(r.incidents, 0),
                       'restoredIncidents', coalesce(r.restored, 0),
                       'timeToRestoreMeanSeconds', r.mean,
                       'timeToRestoreMedianSeconds', r.median
                   ) ORDER BY e.environment), '[]')::text
              FROM envs e
              LEFT JOIN succeeded s ON s.environment = e.environment
              LEFT JOIN failed f ON f.environment = e.environment
              LEFT JOIN restore_stats r ON r.environment = e.environment
            """
        )
    }

    // MARK: Plumbing

    /// The JSON object of one `deploy_history` row `h`, keyed as `DeployHistoryEntry`.
    private static let historyObject = """
        json_build_object(
            'id', h.id, 'service', h.service, 'environment', h.environment, 'version', h.version,
            'artifact', h.artifact, 'requester', h.requester, 'approvers', h.approvers,
            'approvalCount', h.approval_count, 'countedApprovers', h.counted_approvers, 'outcome', h.outcome,
            'requestedAt', h.requested_at, 'startedAt', h.started_at, 'startedBy', h.started_by,
            'finishedAt', h.finished_at, 'finishedBy', h.finished_by, 'breakGlass', h.break_glass,
            'breakGlassReason', h.break_glass_reason, 'allowUnrecorded', h.allow_unrecorded, 'reason', h.reason,
            'outcomeReason', h.outcome_reason, 'commit', h.source_commit,
            'rollback', CASE WHEN h.rollback_started_at IS NOT NULL THEN json_build_object(
                'startedAt', h.rollback_started_at, 'startedBy', h.rollback_started_by, 'alarm', h.rollback_alarm,
                'automatic', coalesce(h.rollback_automatic, false), 'toVersion', h.rollback_to_version,
                'toArtifact', h.rollback_to_artifact, 'reason', h.rollback_reason,
                'finishedAt', h.rollback_finished_at, 'finishedBy', h.rollback_finished_by) END,
            'lastPosition', h.last_position)
        """

    /// Runs a query returning one JSON text and decodes it.
    private func fetch<T: Decodable & Sendable>(_ type: T.Type, doing what: String, _ query: PostgresQuery) async throws
        -> T
    {
        let text: String
        do {
            text = try await pool.withConnection { connection in
                try await connection.query(query)[0].decode(String.self, at: 0)
            }
        } catch {
            throw ProjectionError.wrapping(error, doing: what)
        }
        do {
            return try LedgerEvent.makeDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ProjectionError("\(what) failed: the database answered in an unexpected shape (\(error))")
        }
    }
}
