-- Projections: tables derived from the log, for status, history, audit and DORA metrics.
--
-- Unlike `events`, these tables are disposable: `shiplog projections rebuild` truncates them
-- and replays the log from position 1. They are kept by `shiplog_project_batch`, which
-- applies one range of positions and advances the checkpoint in the same transaction, so a
-- crash never applies an event twice or skips one:
--   * the checkpoint row is locked FOR UPDATE first, so two projectors take turns;
--   * the range ends at the committed head (`shiplog_head`), and positions commit in order
--     (see 0001), so every position up to it is visible and none can appear later below it.
--
-- The work is set-based, a few statements per range: one pass over the range for builds and
-- deploys (most of the log), which parses each payload once (json_to_record) and folds each
-- deploy's events in position order; and for locks, alarms and targets (rare) the newest
-- event per key, found through `events_type_position`. A rebuild drops the history indexes
-- and builds them once at the end (`shiplog_projection_rebuild`).
--
-- Times are the payloads' own (`requestedAt`, `succeededAt`, ...): the command's `now`.
--
-- What runs where is read from deploy_history, not kept twice: the running release of a
-- service in an environment is its newest succeeded deploy not rolled back, the last known
-- good the one before (as ShiplogCore's ServiceEnvironment.State.releases), and the deploy in
-- flight the one requested, started or rolling back. The ActiveDeployOpened/Closed events
-- that enforce one active deploy say the same thing again and are not read.

CREATE TABLE projection_checkpoints (
    name     text   PRIMARY KEY,
    position bigint NOT NULL CHECK (position >= 0)
);
INSERT INTO projection_checkpoints (name, position) VALUES ('ledger', 0);

-- One row per deploy (stream `deploy-<id>`).
CREATE TABLE deploy_history (
    id                    text        PRIMARY KEY,
    environment           text        NOT NULL,
    service               text        NOT NULL,
    version               text        NOT NULL,
    artifact              text        NOT NULL,
    source_commit         text,
    task_definition       text,
    reason                text,
    allow_unrecorded      boolean     NOT NULL,
    requester             text        NOT NULL,
    requested_at          timestamptz NOT NULL,
    -- Everyone whose approval was recorded, once each, in order; whether it counts is the gate's call.
    approvers             text[]      NOT NULL DEFAULT '{}',
    approval_count        integer     NOT NULL DEFAULT 0,
    -- The approvals the gate counted when the deploy started (DeployStarted.approvedBy).
    counted_approvers     text[],
    outcome               text        NOT NULL CHECK (outcome IN (
                              'requested', 'started', 'succeeded', 'failed', 'rejected', 'cancelled',
                              'rolling_back', 'rolled_back', 'rollback_failed')),
    started_at            timestamptz,
    started_by            text,
    break_glass           boolean     NOT NULL DEFAULT false,
    break_glass_reason    text,
    -- When it succeeded, failed, was rejected or cancelled, and who recorded that.
    finished_at           timestamptz,
    finished_by           text,
    succeeded_at          timestamptz,
    failed_at             timestamptz,
    -- The reason given for a rejection, cancellation or failure.
    outcome_reason        text,
    rollback_started_at   timestamptz,
    rollback_started_by   text,
    rollback_alarm        text,
    rollback_automatic    boolean,
    rollback_to_version   text,
    rollback_to_artifact  text,
    rollback_reason       text,
    rollback_finished_at  timestamptz,
    rollback_finished_by  text,
    last_position         bigint      NOT NULL
);
-- History, newest first: all deploys, or one service in one environment; a filter on the
-- environment or the service alone walks the first index (a quarter, a fiftieth of the rows).
CREATE INDEX deploy_history_requested ON deploy_history (requested_at DESC, id DESC);
CREATE INDEX deploy_history_env_service ON deploy_history (environment, service, requested_at DESC, id DESC);
-- Most deploys succeed: that outcome is found walking the first index, the others here.
CREATE INDEX deploy_history_outcome ON deploy_history (outcome, requested_at DESC, id DESC)
    WHERE outcome <> 'succeeded';
-- A person's deploys: as requester, as starter, and through deploy_participants.
CREATE INDEX deploy_history_requester ON deploy_history (requester, requested_at DESC, id DESC);
CREATE INDEX deploy_history_starter ON deploy_history (started_by, requested_at DESC, id DESC);
-- Releases (status: the newest successes not rolled back) and restores (metrics: the next
-- success after an incident).
CREATE INDEX deploy_history_successes ON deploy_history (environment, service, succeeded_at)
    WHERE succeeded_at IS NOT NULL;
-- The deploy holding each service's active slot (few rows at any time).
CREATE INDEX deploy_history_in_flight ON deploy_history (environment, service)
    WHERE outcome IN ('requested', 'started', 'rolling_back');
-- Metrics: failures and rollbacks, which are rare.
CREATE INDEX deploy_history_failures ON deploy_history (environment, failed_at)
    WHERE failed_at IS NOT NULL;
CREATE INDEX deploy_history_rolled_back ON deploy_history (environment, service, rollback_finished_at)
    WHERE outcome = 'rolled_back';
CREATE INDEX deploy_history_alarm_rollbacks ON deploy_history (environment, rollback_started_at)
    WHERE rollback_alarm IS NOT NULL;

-- Who else took part in a deploy than its requester and starter (columns of deploy_history):
-- approver, rejecter, canceller, rollback (started or recorded a rollback). `requested_at` is
-- copied so "deploys involving alice, newest first" is one index range.
CREATE TABLE deploy_participants (
    actor        text        NOT NULL,
    requested_at timestamptz NOT NULL,
    deploy_id    text        NOT NULL,
    role         text        NOT NULL
);
-- Not unique, so a rebuild can drop it and index once at the end; the projector adds a row
-- only when it is not there yet.
CREATE INDEX deploy_participants_actor ON deploy_participants (actor, requested_at DESC, deploy_id DESC, role);

-- Recorded builds (stream `build-<service>`): a version names one artifact. Lead time starts
-- at recorded_at.
CREATE TABLE builds (
    service     text        NOT NULL,
    version     text        NOT NULL,
    artifact    text        NOT NULL,
    source_commit text,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    position    bigint      NOT NULL,
    PRIMARY KEY (service, version)
);

-- The services of each environment: every pair a deploy was requested for, or that was
-- locked or given a target (streams `env-<env>-<service>`).
CREATE TABLE environment_services (
    environment        text NOT NULL,
    service            text NOT NULL,
    target_cluster     text,
    target_ecs_service text,
    target_region      text,
    PRIMARY KEY (environment, service)
);

-- Locks in force: on a whole environment (service = '') or on one service.
CREATE TABLE environment_locks (
    environment text        NOT NULL,
    service     text        NOT NULL,
    reason      text        NOT NULL,
    locked_by   text        NOT NULL,
    locked_at   timestamptz NOT NULL,
    position    bigint      NOT NULL,
    PRIMARY KEY (environment, service)
);

-- Alarms in ALARM now (streams `alarm-<name>`).
CREATE TABLE active_alarms (
    alarm       text        PRIMARY KEY,
    environment text,
    service     text,
    reason      text,
    raised_at   timestamptz NOT NULL,
    position    bigint      NOT NULL
);
CREATE INDEX active_alarms_place ON active_alarms (environment, service);

-- Who an event is about, for `shiplog audit --actor`: the appender's enrolled name, except
-- for an approval, whose person is the approver named in it (a Slack approval is appended by
-- the server on the person's behalf).
CREATE FUNCTION shiplog_event_person(p_type text, p_actor text, p_payload json) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_type = 'DeployApproved' THEN coalesce(p_payload ->> 'approver', p_actor) ELSE p_actor END
$$;
CREATE INDEX events_person_position ON events (shiplog_event_person(type, actor, payload), position);

-- One line saying what an event did, in the words of the CLI.
CREATE FUNCTION shiplog_event_summary(p_type text, p json) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_type
        WHEN 'LedgerInitialized' THEN format('initialized the ledger with admin %s', p ->> 'admin')
        WHEN 'AdminAdded' THEN format('added admin %s', p ->> 'admin')
        WHEN 'ApproverEnrolled' THEN format('enrolled %s (%s) for %s', p ->> 'name', p ->> 'kind',
            coalesce(nullif(translate((p -> 'environments')::text, '[]" ', ''), ''), 'no environment'))
        WHEN 'ApproverRevoked' THEN format('revoked %s (key %s)', p ->> 'name', p ->> 'keyID')
        WHEN 'PolicySet' THEN format('set the %s policy: %s approval(s)', p ->> 'environment', p -> 'policy' ->> 'approvalsRequired')
        WHEN 'TargetSet' THEN format('set %s on %s to run in %s/%s', p ->> 'service', p ->> 'environment',
            p -> 'target' ->> 'cluster', p -> 'target' ->> 'ecsService')
        WHEN 'TokenIssued' THEN format('issued token %s (%s)', p ->> 'tokenID', p ->> 'label')
        WHEN 'TokenRevoked' THEN format('revoked token %s', p ->> 'tokenID')
        WHEN 'BuildRecorded' THEN format('recorded build %s %s (%s)', p ->> 'service', p ->> 'version', left(p ->> 'artifact', 19))
        WHEN 'MigrationApplied' THEN format('applied migration %s on %s', p ->> 'name', p ->> 'environment')
        WHEN 'MigrationFailed' THEN format('recorded failed migration %s on %s', p ->> 'name', p ->> 'environment')
        WHEN 'DeployRequested' THEN format('requested %s %s to %s (%s)%s', p ->> 'service', p ->> 'version',
            p ->> 'environment', p ->> 'deployID',
            CASE WHEN (p ->> 'allowUnrecorded')::boolean THEN ', unrecorded build' ELSE '' END)
        WHEN 'DeployApproved' THEN format('approved %s (%s %s to %s) via %s', p ->> 'deployID',
            p -> 'statement' ->> 'service', p -> 'statement' ->> 'version', p -> 'statement' ->> 'environment',
            coalesce(p -> 'via' ->> 'kind', 'cli'))
        WHEN 'DeployRejected' THEN format('rejected %s (%s on %s): %s', p ->> 'deployID', p ->> 'service',
            p ->> 'environment', p ->> 'reason')
        WHEN 'DeployCancelled' THEN format('cancelled %s (%s on %s)', p ->> 'deployID', p ->> 'service', p ->> 'environment')
        WHEN 'DeployStarted' THEN format('started %s: %s %s to %s%s', p ->> 'deployID', p ->> 'service',
            p ->> 'version', p ->> 'environment',
            CASE WHEN (p ->> 'breakGlass')::boolean THEN format(', BREAK-GLASS: %s', p ->> 'breakGlassReason') ELSE '' END)
        WHEN 'DeploySucceeded' THEN format('recorded %s succeeded: %s %s on %s', p ->> 'deployID', p ->> 'service',
            p ->> 'version', p ->> 'environment')
        WHEN 'DeployFailed' THEN format('recorded %s failed: %s %s on %s', p ->> 'deployID', p ->> 'service',
            p ->> 'version', p ->> 'environment')
        WHEN 'EnvironmentLocked' THEN format('locked %s: %s',
            CASE WHEN p ->> 'service' IS NULL THEN p ->> 'environment' ELSE format('%s on %s', p ->> 'service', p ->> 'environment') END,
            p ->> 'reason')
        WHEN 'EnvironmentUnlocked' THEN format('unlocked %s',
            CASE WHEN p ->> 'service' IS NULL THEN p ->> 'environment' ELSE format('%s on %s', p ->> 'service', p ->> 'environment') END)
        WHEN 'ActiveDeployOpened' THEN format('opened %s for %s on %s', p ->> 'deployID', p ->> 'service', p ->> 'environment')
        WHEN 'ActiveDeployClosed' THEN format('closed %s for %s on %s (%s)', p ->> 'deployID', p ->> 'service',
            p ->> 'environment', p ->> 'outcome')
        WHEN 'AlarmRaised' THEN format('alarm %s raised', p ->> 'alarm')
        WHEN 'AlarmResolved' THEN format('alarm %s resolved', p ->> 'alarm')
        WHEN 'RollbackStarted' THEN format('started rolling back %s: %s on %s from %s to %s', p ->> 'deployID',
            p ->> 'service', p ->> 'environment', p ->> 'fromVersion', p ->> 'toVersion')
        WHEN 'RollbackSucceeded' THEN format('recorded %s rolled back: %s %s runs on %s', p ->> 'deployID',
            p ->> 'service', p ->> 'version', p ->> 'environment')
        WHEN 'RollbackFailed' THEN format('recorded the rollback of %s failed', p ->> 'deployID')
        ELSE p_type
    END
$$;

-- What each person did, newest last: `shiplog audit --actor NAME` reads it through
-- events_person_position, so it needs no table of its own and never lags.
CREATE VIEW actor_activity AS
SELECT e.position,
       e.recorded_at,
       shiplog_event_person(e.type, e.actor, e.payload) AS actor,
       e.type,
       e.stream,
       shiplog_event_summary(e.type, e.payload) AS summary
  FROM events e;

-- The deploy status word after the lifecycle event with code p_code (see shiplog_project).
CREATE FUNCTION shiplog_deploy_outcome(p_code int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (ARRAY['requested', NULL, 'started', 'rejected', 'cancelled', 'failed', 'succeeded',
                  'rolling_back', 'rollback_failed', 'rolled_back'])[p_code]
$$;

-- `a` followed by the elements of `b` it does not hold yet, in order, each once.
CREATE FUNCTION shiplog_array_union(a text[], b text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v_result text[] := coalesce(a, '{}');
    v_item   text;
BEGIN
    FOREACH v_item IN ARRAY coalesce(b, '{}') LOOP
        IF v_item IS NOT NULL AND NOT (v_item = ANY (v_result)) THEN
            v_result := v_result || v_item;
        END IF;
    END LOOP;
    RETURN v_result;
END
$$;

-- Applies the events at positions p_from .. p_to (inclusive) to the projection tables.
-- Runs inside the caller's transaction; `shiplog_project_batch` is the entry point.
CREATE FUNCTION shiplog_project(p_from bigint, p_to bigint) RETURNS void
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

-- Applies the next range of at most p_limit events after checkpoint p_name, up to the
-- committed head, and advances the checkpoint; returns how many positions it applied
-- (0: caught up). One call is one transaction unless the caller holds one open.
CREATE FUNCTION shiplog_project_batch(p_name text, p_limit bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_from bigint;
    v_head bigint;
    v_to   bigint;
BEGIN
    INSERT INTO projection_checkpoints (name, position) VALUES (p_name, 0) ON CONFLICT (name) DO NOTHING;
    -- Taken before the head is read: a concurrent projector waits here, then sees our checkpoint.
    SELECT c.position INTO v_from FROM projection_checkpoints c WHERE c.name = p_name FOR UPDATE;
    SELECT h.position INTO v_head FROM shiplog_head h;
    v_to := least(v_head, v_from + greatest(p_limit, 1));
    IF v_to <= v_from THEN
        RETURN 0;
    END IF;
    PERFORM shiplog_project(v_from + 1, v_to);
    UPDATE projection_checkpoints SET position = v_to WHERE name = p_name;
    RETURN v_to - v_from;
END
$$;

-- Empties every projection table and sets the checkpoint to 0, in the caller's transaction.
CREATE FUNCTION shiplog_projection_reset(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO projection_checkpoints (name, position) VALUES (p_name, 0) ON CONFLICT (name) DO NOTHING;
    PERFORM 1 FROM projection_checkpoints WHERE name = p_name FOR UPDATE;
    TRUNCATE deploy_history, deploy_participants, builds, environment_services, environment_locks, active_alarms;
    UPDATE projection_checkpoints SET position = 0 WHERE name = p_name;
END
$$;

-- `shiplog projections rebuild`: empties the projection tables and replays the whole log in
-- batches of p_batch positions, in the caller's transaction (readers keep the old tables until
-- it commits). Returns how many positions it applied.
--
-- The indexes of deploy_history (but its primary key) and deploy_participants are dropped
-- first and built again at the end: indexing once, sorted, is several times faster than
-- keeping a dozen indexes up to date row by row.
-- SECURITY DEFINER because dropping indexes takes the tables' owner, not just the rights the
-- application role has on them; only the application role may call it.
CREATE FUNCTION shiplog_projection_rebuild(p_name text, p_batch bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET default_statistics_target = 10 AS $$
DECLARE
    v_definitions text[];
    v_drops       text[];
    v_statement   text;
    v_applied     bigint := 0;
    v_batch       bigint;
BEGIN
    PERFORM shiplog_projection_reset(p_name);
    SELECT array_agg(pg_get_indexdef(i.indexrelid)),
           array_agg(format('DROP INDEX %s', i.indexrelid::regclass))
      INTO v_definitions, v_drops
      FROM pg_index i
     WHERE i.indrelid IN ('deploy_history'::regclass, 'deploy_participants'::regclass) AND NOT i.indisprimary;
    FOREACH v_statement IN ARRAY coalesce(v_drops, '{}') LOOP
        EXECUTE v_statement;
    END LOOP;
    LOOP
        v_batch := shiplog_project_batch(p_name, p_batch);
        v_applied := v_applied + v_batch;
        EXIT WHEN v_batch < p_batch;
    END LOOP;
    FOREACH v_statement IN ARRAY coalesce(v_definitions, '{}') LOOP
        EXECUTE v_statement;
    END LOOP;
    -- Statistics for the new contents, so the first queries get good plans (a small sample,
    -- see the SET above, is enough for these columns and ten times cheaper).
    ANALYZE deploy_history, deploy_participants, builds, environment_services;
    RETURN v_applied;
END
$$;

REVOKE EXECUTE ON FUNCTION shiplog_projection_rebuild(text, bigint) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON
            projection_checkpoints, deploy_history, deploy_participants, builds, environment_services,
            environment_locks, active_alarms
            TO shiplog_app;
        GRANT SELECT ON actor_activity TO shiplog_app;
        GRANT EXECUTE ON FUNCTION shiplog_projection_rebuild(text, bigint) TO shiplog_app;
    END IF;
END
$$;
