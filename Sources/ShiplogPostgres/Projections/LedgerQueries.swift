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
    public func status(environment: String? = nil) async throws -> [ServiceStatus] {
        try await fetch(
            [ServiceStatus].self, doing: "reading the status",
            """
            SELECT coalesce(json_agg(json_build_object(
                       'environment', s.environment,
                       'service', s.service,
                       'version', s.running_version,
                       'artifact', s.running_artifact,
                       'deployedBy', s.running_deployed_by,
                       'deployedAt', s.running_deployed_at,
                       'deployID', s.running_deploy_id,
                       'approvers', coalesce(d.counted_approvers, d.approvers, '{}'),
                       'breakGlass', coalesce(d.break_glass, false),
                       'lastKnownGood', CASE WHEN s.previous_version IS NOT NULL THEN json_build_object(
                           'deployID', s.previous_deploy_id, 'version', s.previous_version,
                           'artifact', s.previous_artifact, 'deployedBy', s.previous_deployed_by,
                           'deployedAt', s.previous_deployed_at) END,
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
                       'inFlight', CASE WHEN s.in_flight_deploy_id IS NOT NULL THEN json_build_object(
                           'deployID', s.in_flight_deploy_id, 'purpose', s.in_flight_purpose, 'status', f.outcome,
                           'version', s.in_flight_version, 'artifact', s.in_flight_artifact,
                           'openedBy', s.in_flight_by, 'openedAt', s.in_flight_since) END
                   ) ORDER BY s.environment, s.service), '[]')::text
              FROM environment_services s
              LEFT JOIN deploy_history d ON d.id = s.running_deploy_id
              LEFT JOIN deploy_history f ON f.id = s.in_flight_deploy_id
             WHERE (\(environment)::text IS NULL OR s.environment = \(environment))
            """)
    }

    /// `shiplog history`: deploys matching `filter`, newest request first.
    public func history(_ filter: HistoryFilter = HistoryFilter()) async throws -> [DeployHistoryEntry] {
        let since = filter.since.map(LedgerTime.payloadString)
        let until = filter.until.map(LedgerTime.payloadString)
        let outcome = filter.outcome?.rawValue
        let limit = max(0, filter.limit)
        guard let actor = filter.actor else {
            return try await fetch(
                [DeployHistoryEntry].self, doing: "reading the deploy history",
                """
                SELECT coalesce(json_agg(\(unsafeRaw: Self.historyObject) ORDER BY h.requested_at DESC, h.id DESC), '[]')::text
                  FROM (SELECT * FROM deploy_history h
                         WHERE (\(filter.environment)::text IS NULL OR h.environment = \(filter.environment))
                           AND (\(filter.service)::text IS NULL OR h.service = \(filter.service))
                           AND (\(outcome)::text IS NULL OR h.outcome = \(outcome))
                           AND (\(since)::timestamptz IS NULL OR h.requested_at >= \(since)::timestamptz)
                           AND (\(until)::timestamptz IS NULL OR h.requested_at < \(until)::timestamptz)
                         ORDER BY h.requested_at DESC, h.id DESC
                         LIMIT \(limit)) AS h
                """)
        }
        // Through the participants index: the person's deploys, newest first, each once.
        return try await fetch(
            [DeployHistoryEntry].self, doing: "reading the deploy history",
            """
            SELECT coalesce(json_agg(\(unsafeRaw: Self.historyObject) ORDER BY h.requested_at DESC, h.id DESC), '[]')::text
              FROM (SELECT DISTINCT ON (p.requested_at, p.deploy_id) h.*
                      FROM deploy_participants p
                      JOIN deploy_history h ON h.id = p.deploy_id
                     WHERE p.actor = \(actor)
                       AND (\(since)::timestamptz IS NULL OR p.requested_at >= \(since)::timestamptz)
                       AND (\(until)::timestamptz IS NULL OR p.requested_at < \(until)::timestamptz)
                       AND (\(filter.environment)::text IS NULL OR h.environment = \(filter.environment))
                       AND (\(filter.service)::text IS NULL OR h.service = \(filter.service))
                       AND (\(outcome)::text IS NULL OR h.outcome = \(outcome))
                     ORDER BY p.requested_at DESC, p.deploy_id DESC
                     LIMIT \(limit)) AS h
            """)
    }

    /// One deploy by id (`shiplog show`), nil when the projections do not know it.
    public func deploy(id: String) async throws -> DeployHistoryEntry? {
        try await fetch(
            [DeployHistoryEntry].self, doing: "reading deploy \(id)",
            """
            SELECT coalesce(json_agg(\(unsafeRaw: Self.historyObject)), '[]')::text
              FROM deploy_history h WHERE h.id = \(id)
            """
        ).first
    }

    /// `shiplog audit --actor`: what `actor` did, oldest first; with `limit`, only the newest
    /// `limit` of it. `since` and `until` bound the recorded time.
    public func audit(actor: String, since: Date? = nil, until: Date? = nil, limit: Int? = nil) async throws -> [AuditEntry] {
        let since = since.map(LedgerTime.payloadString)
        let until = until.map(LedgerTime.payloadString)
        return try await fetch(
            [AuditEntry].self, doing: "reading what \(actor) did",
            """
            SELECT coalesce(json_agg(json_build_object(
                       'position', a.position, 'at', a.recorded_at, 'actor', a.actor, 'type', a.type,
                       'stream', a.stream, 'summary', a.summary) ORDER BY a.position), '[]')::text
              FROM (SELECT * FROM actor_activity a
                     WHERE a.actor = \(actor)
                       AND (\(since)::timestamptz IS NULL OR a.recorded_at >= \(since)::timestamptz)
                       AND (\(until)::timestamptz IS NULL OR a.recorded_at < \(until)::timestamptz)
                     ORDER BY a.position DESC
                     LIMIT \(limit)) AS a
            """)
    }

    /// `shiplog metrics`: the DORA metrics of each environment (or of `environment`) over
    /// `since ..< until`. Environments with no deploy at all are not listed.
    public func metrics(environment: String? = nil, since: Date, until: Date = Date()) async throws -> [EnvironmentMetrics] {
        guard until > since else {
            throw ProjectionError(
                "the metrics window is empty: it starts at \(LedgerTime.secondsString(since)) and ends at \(LedgerTime.secondsString(until)); pass a --since before the end")
        }
        let from = LedgerTime.payloadString(since)
        let to = LedgerTime.payloadString(until)
        return try await fetch(
            [EnvironmentMetrics].self, doing: "computing the metrics",
            """
            WITH window_ AS (
                SELECT \(from)::timestamptz AS since, \(to)::timestamptz AS until
            ),
            envs AS (
                SELECT DISTINCT s.environment FROM environment_services s
                 WHERE (\(environment)::text IS NULL OR s.environment = \(environment))
                   AND EXISTS (SELECT 1 FROM deploy_history d WHERE d.environment = s.environment)
            ),
            succeeded AS (
                SELECT d.environment, count(*) AS deploys, count(d.build_recorded_at) AS lead_samples,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.succeeded_at - d.build_recorded_at)::float8) AS lead_median
                  FROM deploy_history d, window_ w
                 WHERE d.environment IN (SELECT environment FROM envs)
                   AND d.succeeded_at IS NOT NULL AND d.succeeded_at >= w.since AND d.succeeded_at < w.until
                 GROUP BY d.environment
            ),
            finished AS (
                SELECT d.environment, count(*) AS finished,
                       count(*) FILTER (WHERE d.failed_at IS NOT NULL OR d.rollback_started_at IS NOT NULL) AS failed
                  FROM deploy_history d, window_ w
                 WHERE d.environment IN (SELECT environment FROM envs)
                   AND (d.succeeded_at IS NOT NULL OR d.failed_at IS NOT NULL)
                   AND d.finished_at >= w.since AND d.finished_at < w.until
                 GROUP BY d.environment
            ),
            incidents AS (
                SELECT d.environment, d.service, d.failed_at AS at
                  FROM deploy_history d, window_ w
                 WHERE d.environment IN (SELECT environment FROM envs)
                   AND d.failed_at IS NOT NULL AND d.failed_at >= w.since AND d.failed_at < w.until
                UNION ALL
                SELECT d.environment, d.service, d.rollback_started_at
                  FROM deploy_history d, window_ w
                 WHERE d.environment IN (SELECT environment FROM envs)
                   AND d.rollback_alarm IS NOT NULL AND d.rollback_started_at >= w.since AND d.rollback_started_at < w.until
            ),
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
                         WHERE x.at <= w.until) AS seconds
                  FROM incidents i CROSS JOIN window_ w
            ),
            restore_stats AS (
                SELECT environment, count(*) AS incidents, count(seconds) AS restored, avg(seconds) AS mean,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median
                  FROM restore_times
                 GROUP BY environment
            )
            SELECT coalesce(json_agg(json_build_object(
                       'environment', e.environment,
                       'since', w.since,
                       'until', w.until,
                       'days', extract(epoch FROM w.until - w.since) / 86400,
                       'deploys', coalesce(s.deploys, 0),
                       'deployFrequencyPerDay', coalesce(s.deploys, 0) / (extract(epoch FROM w.until - w.since) / 86400),
                       'leadTimeMedianSeconds', s.lead_median,
                       'leadTimeSamples', coalesce(s.lead_samples, 0),
                       'finishedDeploys', coalesce(f.finished, 0),
                       'failedDeploys', coalesce(f.failed, 0),
                       'changeFailureRate', CASE WHEN f.finished > 0 THEN f.failed::float8 / f.finished END,
                       'incidents', coalesce(r.incidents, 0),
                       'restoredIncidents', coalesce(r.restored, 0),
                       'timeToRestoreMeanSeconds', r.mean,
                       'timeToRestoreMedianSeconds', r.median
                   ) ORDER BY e.environment), '[]')::text
              FROM envs e
             CROSS JOIN window_ w
              LEFT JOIN succeeded s ON s.environment = e.environment
              LEFT JOIN finished f ON f.environment = e.environment
              LEFT JOIN restore_stats r ON r.environment = e.environment
            """)
    }

    // MARK: Plumbing

    /// The JSON object of one `deploy_history` row `h`, keyed as `DeployHistoryEntry`.
    static let historyObject = """
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
    private func fetch<T: Decodable & Sendable>(_ type: T.Type, doing what: String, _ query: PostgresQuery) async throws -> T {
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
