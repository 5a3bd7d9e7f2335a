-- Re-appliable projection SQL: how the projection tables are kept from the log.
--
-- Files in projections/ are not migrations: `shiplog migrate` applies each again whenever its
-- text changed (after every pending migration, in name order, each in its own transaction, its
-- checksum recorded in shiplog_projection_code), so changing a projection is an edit here,
-- `shiplog migrate`, then `shiplog projections rebuild`. Tables stay in migrations/. Every
-- statement here must be safe to run again: CREATE OR REPLACE, and the attributes and grants
-- restated.

-- Applies the events at positions p_from .. p_to (inclusive) to the projection tables.
-- Runs inside the caller's transaction; `shiplog_project_batch` is the entry point.
CREATE OR REPLACE FUNCTION shiplog_project(p_from bigint, p_to bigint) RETURNS void
LANGUAGE plpgsql
-- A rebuild's statements are few and large: compiling them costs more than it saves.
SET jit = off
SET work_mem = '64MB'
AS $$
BEGIN
    -- Builds and deploys, from one pass over the range: their events are most of the log.
    -- Each payload is parsed once, into the few fields the tables need (names out of the
    -- {"name","keyID"} actors).
    WITH ev AS (
        SELECT e.position,
               -- Deploy events by lifecycle order: each one's code is higher than that of any
               -- event that can precede it in its deploy.
               CASE e.type WHEN 'BuildRecorded' THEN 0
                    WHEN 'DeployRequested' THEN 1 WHEN 'DeployApproved' THEN 2 WHEN 'DeployStarted' THEN 3
                    WHEN 'DeployRejected' THEN 4 WHEN 'DeployCancelled' THEN 5 WHEN 'DeployFailed' THEN 6
                    WHEN 'DeploySucceeded' THEN 7 WHEN 'RollbackStarted' THEN 8 WHEN 'RollbackFailed' THEN 9
                    WHEN 'RollbackSucceeded' THEN 10 END AS t,
               p."deployID" AS deploy_id, p.environment, p.service, p.version, p.artifact, p."commit",
               p."taskDefinition" AS task_definition, p.reason, p."allowUnrecorded" AS allow_unrecorded,
               p."requestedBy" ->> 'name' AS requested_by, p."requestedAt" AS requested_at,
               p.approver, p."approvedBy" AS approved_by,
               p."breakGlass" AS break_glass, p."breakGlassReason" AS break_glass_reason,
               p."startedBy" ->> 'name' AS started_by, p."startedAt" AS started_at,
               p."recordedBy" ->> 'name' AS recorded_by, p."recordedAt" AS recorded_at,
               p."succeededAt" AS succeeded_at, p."failedAt" AS failed_at,
               coalesce(p."rejectedBy", p."cancelledBy") ->> 'name' AS closed_by,
               coalesce(p."rejectedAt", p."cancelledAt") AS closed_at,
               p.alarm, p.automatic, p."toVersion" AS to_version, p."toArtifact" AS to_artifact
          FROM events e
         CROSS JOIN LATERAL json_to_record(e.payload) AS p(
                   "deployID" text, environment text, service text, version text, artifact text,
                   "commit" text, "taskDefinition" text, reason text, "allowUnrecorded" boolean,
                   "requestedBy" json, "requestedAt" timestamptz, approver text,
                   "approvedBy" json, "breakGlass" boolean, "breakGlassReason" text,
                   "startedBy" json, "startedAt" timestamptz, "recordedBy" json, "recordedAt" timestamptz,
                   "succeededAt" timestamptz, "failedAt" timestamptz,
                   "rejectedBy" json, "rejectedAt" timestamptz, "cancelledBy" json, "cancelledAt" timestamptz,
                   alarm text, automatic boolean, "toVersion" text, "toArtifact" text)
         WHERE e.type IN ('BuildRecorded', 'DeployRequested', 'DeployApproved', 'DeployRejected',
                          'DeployCancelled', 'DeployStarted', 'DeploySucceeded', 'DeployFailed',
                          'RollbackStarted', 'RollbackSucceeded', 'RollbackFailed')
           AND e.position BETWEEN p_from AND p_to
         -- Grouping by sorting keeps each deploy's events in position order.
         ORDER BY p."deployID", e.position
    ),
    -- One row per deploy with its events in the range folded in, plus one row (id NULL)
    -- holding the range's builds as arrays. A lifecycle event happens at most once per deploy,
    -- so FILTER picks its fields (fields only one event type carries need none); the outcome
    -- is that of the newest lifecycle event. Approvals accumulate in the order they were given.
    folded AS MATERIALIZED (
        SELECT deploy_id AS id,
               max(position) AS last_position,
               bool_or(t = 1) AS requested_here,
               shiplog_deploy_outcome(max(t) FILTER (WHERE t > 0 AND t <> 2)) AS outcome,
               max(environment) FILTER (WHERE t = 1) AS environment,
               max(service) FILTER (WHERE t = 1) AS service,
               max(version) FILTER (WHERE t = 1) AS version,
               max(artifact) FILTER (WHERE t = 1) AS artifact,
               max("commit") FILTER (WHERE t = 1) AS source_commit,
               max(task_definition) AS task_definition,
               max(reason) FILTER (WHERE t = 1) AS reason,
               bool_or(allow_unrecorded) AS allow_unrecorded,
               max(requested_by) AS requester,
               max(requested_at) AS requested_at,
               array_agg(approver) FILTER (WHERE t = 2) AS approvers,
               count(*) FILTER (WHERE t = 2) AS approval_count,
               max(started_at) FILTER (WHERE t = 3) AS started_at,
               max(started_by) FILTER (WHERE t = 3) AS started_by,
               -- Still JSON text: converted once per deploy, below.
               max(approved_by::text) AS counted_json,
               bool_or(break_glass) AS break_glass,
               max(break_glass_reason) AS break_glass_reason,
               max(coalesce(succeeded_at, failed_at, closed_at)) FILTER (WHERE t BETWEEN 4 AND 7) AS finished_at,
               max(coalesce(recorded_by, closed_by)) FILTER (WHERE t BETWEEN 4 AND 7) AS finished_by,
               max(succeeded_at) FILTER (WHERE t = 7) AS succeeded_at,
               max(failed_at) FILTER (WHERE t = 6) AS failed_at,
               max(reason) FILTER (WHERE t BETWEEN 4 AND 6) AS outcome_reason,
               max(closed_by) AS closed_by,
               max(CASE t WHEN 4 THEN 'rejecter' WHEN 5 THEN 'canceller' END) AS closed_role,
               max(started_at) FILTER (WHERE t = 8) AS rollback_started_at,
               max(started_by) FILTER (WHERE t = 8) AS rollback_started_by,
               max(alarm) AS rollback_alarm,
               bool_or(automatic) AS rollback_automatic,
               max(to_version) AS rollback_to_version,
               max(to_artifact) AS rollback_to_artifact,
               max(reason) FILTER (WHERE t IN (8, 9)) AS rollback_reason,
               max(coalesce(succeeded_at, failed_at)) FILTER (WHERE t IN (9, 10)) AS rollback_finished_at,
               max(recorded_by) FILTER (WHERE t IN (9, 10)) AS rollback_finished_by,
               array_agg(service) FILTER (WHERE t = 0) AS build_services,
               array_agg(version) FILTER (WHERE t = 0) AS build_versions,
               array_agg(artifact) FILTER (WHERE t = 0) AS build_artifacts,
               array_agg("commit") FILTER (WHERE t = 0) AS build_commits,
               array_agg(recorded_by) FILTER (WHERE t = 0) AS build_recorders,
               array_agg(recorded_at) FILTER (WHERE t = 0) AS build_times,
               array_agg(position) FILTER (WHERE t = 0) AS build_positions
          FROM ev
         GROUP BY deploy_id
    ),
    deploys AS (
        SELECT f.*,
               CASE WHEN f.approval_count > 1
                    -- Once each, in the order they approved.
                    THEN shiplog_array_union(NULL, f.approvers)
                    ELSE f.approvers END AS approvers_in_order,
               CASE WHEN f.counted_json IS NOT NULL
                    THEN ARRAY(SELECT json_array_elements_text(f.counted_json::json)) END AS counted_approvers
          FROM folded f
         WHERE f.id IS NOT NULL
    ),
    new_builds AS (
        INSERT INTO builds (service, version, artifact, source_commit, recorded_by, recorded_at, position)
        SELECT b.*
          FROM folded f
         CROSS JOIN LATERAL unnest(f.build_services, f.build_versions, f.build_artifacts, f.build_commits,
                                   f.build_recorders, f.build_times, f.build_positions) AS b
         WHERE f.id IS NULL
        ON CONFLICT (service, version) DO NOTHING
    ),
    places AS (
        INSERT INTO environment_services (environment, service)
        SELECT DISTINCT environment, service FROM deploys WHERE requested_here
        ON CONFLICT (environment, service) DO NOTHING
    ),
    inserted AS (
        INSERT INTO deploy_history (
            id, environment, service, version, artifact, source_commit, task_definition, reason,
            allow_unrecorded, requester, requested_at, approvers, approval_count,
            counted_approvers, outcome, started_at, started_by, break_glass, break_glass_reason,
            finished_at, finished_by, succeeded_at, failed_at, outcome_reason,
            rollback_started_at, rollback_started_by, rollback_alarm, rollback_automatic,
            rollback_to_version, rollback_to_artifact, rollback_reason, rollback_finished_at,
            rollback_finished_by, last_position)
        SELECT d.id, d.environment, d.service, d.version, d.artifact, d.source_commit, d.task_definition, d.reason,
               coalesce(d.allow_unrecorded, false), d.requester, d.requested_at, coalesce(d.approvers_in_order, '{}'),
               d.approval_count, d.counted_approvers, d.outcome, d.started_at, d.started_by,
               coalesce(d.break_glass, false), d.break_glass_reason, d.finished_at, d.finished_by, d.succeeded_at,
               d.failed_at, d.outcome_reason, d.rollback_started_at, d.rollback_started_by, d.rollback_alarm,
               d.rollback_automatic, d.rollback_to_version, d.rollback_to_artifact, d.rollback_reason,
               d.rollback_finished_at, d.rollback_finished_by, d.last_position
          FROM deploys d
         WHERE d.requested_here
        RETURNING id, requested_at
    ),
    updated AS (
        UPDATE deploy_history h SET
            approvers = CASE WHEN d.approvers IS NULL THEN h.approvers
                             ELSE shiplog_array_union(h.approvers, d.approvers_in_order) END,
            approval_count = h.approval_count + d.approval_count,
            counted_approvers = coalesce(d.counted_approvers, h.counted_approvers),
            outcome = coalesce(d.outcome, h.outcome),
            started_at = coalesce(d.started_at, h.started_at),
            started_by = coalesce(d.started_by, h.started_by),
            break_glass = coalesce(d.break_glass, h.break_glass),
            break_glass_reason = coalesce(d.break_glass_reason, h.break_glass_reason),
            finished_at = coalesce(d.finished_at, h.finished_at),
            finished_by = coalesce(d.finished_by, h.finished_by),
            succeeded_at = coalesce(d.succeeded_at, h.succeeded_at),
            failed_at = coalesce(d.failed_at, h.failed_at),
            outcome_reason = coalesce(d.outcome_reason, h.outcome_reason),
            rollback_started_at = coalesce(d.rollback_started_at, h.rollback_started_at),
            rollback_started_by = coalesce(d.rollback_started_by, h.rollback_started_by),
            rollback_alarm = coalesce(d.rollback_alarm, h.rollback_alarm),
            rollback_automatic = coalesce(d.rollback_automatic, h.rollback_automatic),
            rollback_to_version = coalesce(d.rollback_to_version, h.rollback_to_version),
            rollback_to_artifact = coalesce(d.rollback_to_artifact, h.rollback_to_artifact),
            rollback_reason = coalesce(d.rollback_reason, h.rollback_reason),
            rollback_finished_at = coalesce(d.rollback_finished_at, h.rollback_finished_at),
            rollback_finished_by = coalesce(d.rollback_finished_by, h.rollback_finished_by),
            last_position = d.last_position
          FROM deploys d
         WHERE h.id = d.id AND NOT d.requested_here
        RETURNING h.id, h.requested_at
    ),
    -- Who else took part than requester and starter (columns of deploy_history).
    participants AS (
        SELECT d.id, a.actor, 'approver' AS role FROM deploys d CROSS JOIN LATERAL unnest(d.approvers_in_order) AS a(actor)
        UNION ALL
        SELECT d.id, d.closed_by, d.closed_role FROM deploys d WHERE d.closed_by IS NOT NULL
        UNION ALL
        SELECT d.id, r.actor, 'rollback' FROM deploys d
         CROSS JOIN LATERAL (VALUES (d.rollback_started_by), (d.rollback_finished_by)) AS r(actor)
         WHERE d.rollback_started_at IS NOT NULL OR d.rollback_finished_at IS NOT NULL
    )
    INSERT INTO deploy_participants (actor, requested_at, deploy_id, role)
    SELECT DISTINCT pa.actor, d.requested_at, pa.id, pa.role
      FROM participants pa JOIN inserted d ON d.id = pa.id
     WHERE pa.actor IS NOT NULL
    UNION ALL
    -- A deploy requested before the range may have these people on record already.
    SELECT DISTINCT pa.actor, d.requested_at, pa.id, pa.role
      FROM participants pa JOIN updated d ON d.id = pa.id
     WHERE pa.actor IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM deploy_participants x
                        WHERE x.actor = pa.actor AND x.requested_at = d.requested_at
                          AND x.deploy_id = pa.id AND x.role = pa.role);

    -- Locks, both scopes: the newest lock or unlock per scope decides.
    WITH latest AS (
        SELECT DISTINCT ON (p.environment, coalesce(p.service, ''))
               e.position, e.type, p.environment, coalesce(p.service, '') AS service, p.reason,
               p."lockedBy" ->> 'name' AS locked_by, p."lockedAt"
          FROM events e
         CROSS JOIN LATERAL json_to_record(e.payload) AS p(environment text, service text, reason text, "lockedBy" json, "lockedAt" timestamptz)
         WHERE e.type IN ('EnvironmentLocked', 'EnvironmentUnlocked') AND e.position BETWEEN p_from AND p_to
         ORDER BY p.environment, coalesce(p.service, ''), e.position DESC
    ),
    lifted AS (
        DELETE FROM environment_locks l USING latest
         WHERE latest.type = 'EnvironmentUnlocked' AND l.environment = latest.environment AND l.service = latest.service
    ),
    places AS (
        INSERT INTO environment_services (environment, service)
        SELECT environment, service FROM latest WHERE service <> ''
        ON CONFLICT (environment, service) DO NOTHING
    )
    INSERT INTO environment_locks (environment, service, reason, locked_by, locked_at, position)
    SELECT environment, service, reason, locked_by, "lockedAt", position FROM latest WHERE type = 'EnvironmentLocked'
    ON CONFLICT (environment, service) DO UPDATE SET
        reason = EXCLUDED.reason, locked_by = EXCLUDED.locked_by, locked_at = EXCLUDED.locked_at, position = EXCLUDED.position;

    -- Alarms: the newest raise or resolve per alarm decides.
    WITH latest AS (
        SELECT DISTINCT ON (p.alarm) e.position, e.type, p.alarm, p.environment, p.service, p.reason, p."raisedAt"
          FROM events e
         CROSS JOIN LATERAL json_to_record(e.payload) AS p(alarm text, environment text, service text, reason text, "raisedAt" timestamptz)
         WHERE e.type IN ('AlarmRaised', 'AlarmResolved') AND e.position BETWEEN p_from AND p_to
         ORDER BY p.alarm, e.position DESC
    ),
    resolved AS (
        DELETE FROM active_alarms a USING latest WHERE latest.type = 'AlarmResolved' AND a.alarm = latest.alarm
    )
    INSERT INTO active_alarms (alarm, environment, service, reason, raised_at, position)
    SELECT alarm, environment, service, reason, "raisedAt", position FROM latest WHERE type = 'AlarmRaised'
    ON CONFLICT (alarm) DO UPDATE SET
        environment = EXCLUDED.environment, service = EXCLUDED.service, reason = EXCLUDED.reason,
        raised_at = EXCLUDED.raised_at, position = EXCLUDED.position;

    -- Deploy targets: the newest per service and environment.
    INSERT INTO environment_services AS s (environment, service, target_cluster, target_ecs_service, target_region)
    SELECT DISTINCT ON (p.environment, p.service)
           p.environment, p.service, p.target ->> 'cluster', p.target ->> 'ecsService', p.target ->> 'region'
      FROM events e
     CROSS JOIN LATERAL json_to_record(e.payload) AS p(environment text, service text, target json)
     WHERE e.type = 'TargetSet' AND e.position BETWEEN p_from AND p_to
     ORDER BY p.environment, p.service, e.position DESC
    ON CONFLICT (environment, service) DO UPDATE SET
        target_cluster = EXCLUDED.target_cluster, target_ecs_service = EXCLUDED.target_ecs_service,
        target_region = EXCLUDED.target_region;
END
$$;
