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
-- The work is set-based: each statement reads the events of a few types in the range through
-- `events_type_position`, parses each payload once (json_to_record) and, where several events
-- of one key fall into the range, takes them in position order (DISTINCT ON, FILTER, ORDER BY).
--
-- Times are the payloads' own (`requestedAt`, `succeededAt`, ...): the command's `now`.

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
    -- When the deployed version's build was recorded (lead time); NULL for unrecorded builds.
    build_recorded_at     timestamptz,
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
CREATE INDEX deploy_history_requested ON deploy_history (requested_at DESC, id DESC);
CREATE INDEX deploy_history_env_service ON deploy_history (environment, service, requested_at DESC, id DESC);
CREATE INDEX deploy_history_env ON deploy_history (environment, requested_at DESC, id DESC);
CREATE INDEX deploy_history_service ON deploy_history (service, requested_at DESC, id DESC);
CREATE INDEX deploy_history_requester ON deploy_history (requester, requested_at DESC);
CREATE INDEX deploy_history_outcome ON deploy_history (outcome, requested_at DESC, id DESC);
-- DORA: successes (frequency, lead time, restores) and finishes (failure rate) per environment.
CREATE INDEX deploy_history_succeeded ON deploy_history (environment, succeeded_at)
    INCLUDE (service, build_recorded_at) WHERE succeeded_at IS NOT NULL;
CREATE INDEX deploy_history_restores ON deploy_history (environment, service, succeeded_at)
    WHERE succeeded_at IS NOT NULL;
CREATE INDEX deploy_history_rolled_back ON deploy_history (environment, service, rollback_finished_at)
    WHERE outcome = 'rolled_back';
CREATE INDEX deploy_history_finished ON deploy_history (environment, finished_at)
    WHERE succeeded_at IS NOT NULL OR failed_at IS NOT NULL;
CREATE INDEX deploy_history_incidents ON deploy_history (environment, failed_at)
    WHERE failed_at IS NOT NULL;
CREATE INDEX deploy_history_alarm_rollbacks ON deploy_history (environment, rollback_started_at)
    WHERE rollback_alarm IS NOT NULL;

-- Everyone involved in a deploy, by role: requester, approver, starter, rejecter, canceller,
-- finisher (recorded success or failure), rollback (started or finished a rollback).
-- `requested_at` is copied so "deploys involving alice, newest first" is one index range.
CREATE TABLE deploy_participants (
    actor        text        NOT NULL,
    requested_at timestamptz NOT NULL,
    deploy_id    text        NOT NULL,
    role         text        NOT NULL,
    PRIMARY KEY (actor, requested_at, deploy_id, role)
);

-- Recorded builds (stream `build-<service>`): a version names one artifact.
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

-- Releases that ran per environment and service, in position order. A rollback marks the
-- rolled-back deploy's release; what runs is the newest unmarked release, the last known good
-- the one before it (ShiplogCore's ServiceEnvironment.State.releases).
CREATE TABLE service_releases (
    environment          text        NOT NULL,
    service              text        NOT NULL,
    position             bigint      NOT NULL,
    deploy_id            text,
    version              text        NOT NULL,
    artifact             text        NOT NULL,
    deployed_by          text,
    deployed_at          timestamptz NOT NULL,
    rolled_back_position bigint,
    PRIMARY KEY (environment, service, position)
);

-- The state of each service in each environment (streams `env-<env>-<service>`).
CREATE TABLE environment_services (
    environment            text   NOT NULL,
    service                text   NOT NULL,
    running_deploy_id      text,
    running_version        text,
    running_artifact       text,
    running_deployed_by    text,
    running_deployed_at    timestamptz,
    previous_deploy_id     text,
    previous_version       text,
    previous_artifact      text,
    previous_deployed_by   text,
    previous_deployed_at   timestamptz,
    -- The deploy or rollback holding the active slot.
    in_flight_deploy_id    text,
    in_flight_purpose      text,
    in_flight_version      text,
    in_flight_artifact     text,
    in_flight_by           text,
    in_flight_since        timestamptz,
    target_cluster         text,
    target_ecs_service     text,
    target_region          text,
    last_position          bigint NOT NULL,
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
            coalesce(nullif((SELECT string_agg(x, ',') FROM json_array_elements_text(p -> 'environments') AS x), ''), 'no environment'))
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

-- The deploy status word after an event of the deploy's stream.
CREATE FUNCTION shiplog_deploy_outcome(p_type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_type
        WHEN 'DeployRequested' THEN 'requested'
        WHEN 'DeployStarted' THEN 'started'
        WHEN 'DeploySucceeded' THEN 'succeeded'
        WHEN 'DeployFailed' THEN 'failed'
        WHEN 'DeployRejected' THEN 'rejected'
        WHEN 'DeployCancelled' THEN 'cancelled'
        WHEN 'RollbackStarted' THEN 'rolling_back'
        WHEN 'RollbackSucceeded' THEN 'rolled_back'
        WHEN 'RollbackFailed' THEN 'rollback_failed'
    END
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
LANGUAGE plpgsql AS $$
DECLARE
    r      record;
    v_last text;
BEGIN
    -- Builds first: a deploy requested in the same range finds its build.
    INSERT INTO builds (service, version, artifact, source_commit, recorded_by, recorded_at, position)
    SELECT p.service, p.version, p.artifact, p."commit", p."recordedBy" ->> 'name', p."recordedAt", e.position
      FROM events e
     CROSS JOIN LATERAL json_to_record(e.payload) AS p(
               service text, version text, artifact text, "commit" text, "recordedBy" json, "recordedAt" timestamptz)
     WHERE e.type = 'BuildRecorded' AND e.position BETWEEN p_from AND p_to
     ORDER BY e.position
    ON CONFLICT (service, version) DO NOTHING;

    -- Deploys: every event of a deploy stream in the range, folded per deploy. Each lifecycle
    -- event happens at most once per deploy, so FILTER picks its fields; the outcome is the
    -- one of the newest lifecycle event; approvals accumulate.
    WITH ev AS MATERIALIZED (
        SELECT e.position, e.type, p.*,
               CASE WHEN e.type = 'DeployStarted' THEN ARRAY(SELECT json_array_elements_text(p."approvedBy")) END AS counted
          FROM events e
         CROSS JOIN LATERAL json_to_record(e.payload) AS p(
                   "deployID" text, environment text, service text, version text, artifact text,
                   "commit" text, "taskDefinition" text, reason text, "allowUnrecorded" boolean,
                   "requestedBy" json, "requestedAt" timestamptz,
                   approver text,
                   "approvedBy" json, "breakGlass" boolean, "breakGlassReason" text,
                   "startedBy" json, "startedAt" timestamptz,
                   "recordedBy" json, "succeededAt" timestamptz, "failedAt" timestamptz,
                   "rejectedBy" json, "rejectedAt" timestamptz, "cancelledBy" json, "cancelledAt" timestamptz,
                   alarm text, automatic boolean, "toVersion" text, "toArtifact" text)
         WHERE e.type IN ('DeployRequested', 'DeployApproved', 'DeployRejected', 'DeployCancelled',
                          'DeployStarted', 'DeploySucceeded', 'DeployFailed',
                          'RollbackStarted', 'RollbackSucceeded', 'RollbackFailed')
           AND e.position BETWEEN p_from AND p_to
    ),
    folded AS MATERIALIZED (
        SELECT "deployID" AS id,
               max(position) AS last_position,
               bool_or(type = 'DeployRequested') AS requested_here,
               shiplog_deploy_outcome((array_agg(type ORDER BY position DESC) FILTER (WHERE type <> 'DeployApproved'))[1]) AS outcome,
               max(environment) FILTER (WHERE type = 'DeployRequested') AS environment,
               max(service) FILTER (WHERE type = 'DeployRequested') AS service,
               max(version) FILTER (WHERE type = 'DeployRequested') AS version,
               max(artifact) FILTER (WHERE type = 'DeployRequested') AS artifact,
               max("commit") FILTER (WHERE type = 'DeployRequested') AS source_commit,
               max("taskDefinition") FILTER (WHERE type = 'DeployRequested') AS task_definition,
               max(reason) FILTER (WHERE type = 'DeployRequested') AS reason,
               bool_or("allowUnrecorded") FILTER (WHERE type = 'DeployRequested') AS allow_unrecorded,
               max("requestedBy" ->> 'name') FILTER (WHERE type = 'DeployRequested') AS requester,
               max("requestedAt") FILTER (WHERE type = 'DeployRequested') AS requested_at,
               array_agg(approver ORDER BY position) FILTER (WHERE type = 'DeployApproved') AS approvers,
               count(*) FILTER (WHERE type = 'DeployApproved') AS approval_count,
               max("startedAt") FILTER (WHERE type = 'DeployStarted') AS started_at,
               max("startedBy" ->> 'name') FILTER (WHERE type = 'DeployStarted') AS started_by,
               max(counted) FILTER (WHERE type = 'DeployStarted') AS counted_approvers,
               bool_or("breakGlass") FILTER (WHERE type = 'DeployStarted') AS break_glass,
               max("breakGlassReason") FILTER (WHERE type = 'DeployStarted') AS break_glass_reason,
               max(coalesce("succeededAt", "failedAt", "rejectedAt", "cancelledAt"))
                   FILTER (WHERE type IN ('DeploySucceeded', 'DeployFailed', 'DeployRejected', 'DeployCancelled')) AS finished_at,
               max(coalesce("recordedBy", "rejectedBy", "cancelledBy") ->> 'name')
                   FILTER (WHERE type IN ('DeploySucceeded', 'DeployFailed', 'DeployRejected', 'DeployCancelled')) AS finished_by,
               max("succeededAt") FILTER (WHERE type = 'DeploySucceeded') AS succeeded_at,
               max("failedAt") FILTER (WHERE type = 'DeployFailed') AS failed_at,
               max(reason) FILTER (WHERE type IN ('DeployFailed', 'DeployRejected', 'DeployCancelled')) AS outcome_reason,
               max("startedAt") FILTER (WHERE type = 'RollbackStarted') AS rollback_started_at,
               max("startedBy" ->> 'name') FILTER (WHERE type = 'RollbackStarted') AS rollback_started_by,
               max(alarm) FILTER (WHERE type = 'RollbackStarted') AS rollback_alarm,
               bool_or(automatic) FILTER (WHERE type = 'RollbackStarted') AS rollback_automatic,
               max("toVersion") FILTER (WHERE type = 'RollbackStarted') AS rollback_to_version,
               max("toArtifact") FILTER (WHERE type = 'RollbackStarted') AS rollback_to_artifact,
               max(reason) FILTER (WHERE type IN ('RollbackStarted', 'RollbackFailed')) AS rollback_reason,
               max(coalesce("succeededAt", "failedAt")) FILTER (WHERE type IN ('RollbackSucceeded', 'RollbackFailed')) AS rollback_finished_at,
               max("recordedBy" ->> 'name') FILTER (WHERE type IN ('RollbackSucceeded', 'RollbackFailed')) AS rollback_finished_by
          FROM ev
         GROUP BY "deployID"
    ),
    participants AS (
        SELECT ev."deployID" AS id, ev.position,
               CASE ev.type
                   WHEN 'DeployRequested' THEN ev."requestedBy" ->> 'name'
                   WHEN 'DeployApproved' THEN ev.approver
                   WHEN 'DeployStarted' THEN ev."startedBy" ->> 'name'
                   WHEN 'DeployRejected' THEN ev."rejectedBy" ->> 'name'
                   WHEN 'DeployCancelled' THEN ev."cancelledBy" ->> 'name'
                   WHEN 'RollbackStarted' THEN ev."startedBy" ->> 'name'
                   ELSE ev."recordedBy" ->> 'name'
               END AS actor,
               CASE ev.type
                   WHEN 'DeployRequested' THEN 'requester'
                   WHEN 'DeployApproved' THEN 'approver'
                   WHEN 'DeployStarted' THEN 'starter'
                   WHEN 'DeployRejected' THEN 'rejecter'
                   WHEN 'DeployCancelled' THEN 'canceller'
                   WHEN 'DeploySucceeded' THEN 'finisher'
                   WHEN 'DeployFailed' THEN 'finisher'
                   ELSE 'rollback'
               END AS role
          FROM ev
    ),
    inserted AS (
        INSERT INTO deploy_history (
            id, environment, service, version, artifact, source_commit, task_definition, reason,
            allow_unrecorded, build_recorded_at, requester, requested_at, approvers, approval_count,
            counted_approvers, outcome, started_at, started_by, break_glass, break_glass_reason,
            finished_at, finished_by, succeeded_at, failed_at, outcome_reason,
            rollback_started_at, rollback_started_by, rollback_alarm, rollback_automatic,
            rollback_to_version, rollback_to_artifact, rollback_reason, rollback_finished_at,
            rollback_finished_by, last_position)
        SELECT f.id, f.environment, f.service, f.version, f.artifact, f.source_commit, f.task_definition, f.reason,
               coalesce(f.allow_unrecorded, false), b.recorded_at, f.requester, f.requested_at,
               shiplog_array_union(NULL, f.approvers), f.approval_count,
               f.counted_approvers, f.outcome, f.started_at, f.started_by, coalesce(f.break_glass, false),
               f.break_glass_reason, f.finished_at, f.finished_by, f.succeeded_at, f.failed_at, f.outcome_reason,
               f.rollback_started_at, f.rollback_started_by, f.rollback_alarm, f.rollback_automatic,
               f.rollback_to_version, f.rollback_to_artifact, f.rollback_reason, f.rollback_finished_at,
               f.rollback_finished_by, f.last_position
          FROM folded f
          LEFT JOIN builds b ON b.service = f.service AND b.version = f.version
         WHERE f.requested_here
        RETURNING id, requested_at
    ),
    updated AS (
        UPDATE deploy_history h SET
            approvers = CASE WHEN f.approvers IS NULL THEN h.approvers ELSE shiplog_array_union(h.approvers, f.approvers) END,
            approval_count = h.approval_count + f.approval_count,
            counted_approvers = coalesce(f.counted_approvers, h.counted_approvers),
            outcome = coalesce(f.outcome, h.outcome),
            started_at = coalesce(f.started_at, h.started_at),
            started_by = coalesce(f.started_by, h.started_by),
            break_glass = coalesce(f.break_glass, h.break_glass),
            break_glass_reason = coalesce(f.break_glass_reason, h.break_glass_reason),
            finished_at = coalesce(f.finished_at, h.finished_at),
            finished_by = coalesce(f.finished_by, h.finished_by),
            succeeded_at = coalesce(f.succeeded_at, h.succeeded_at),
            failed_at = coalesce(f.failed_at, h.failed_at),
            outcome_reason = coalesce(f.outcome_reason, h.outcome_reason),
            rollback_started_at = coalesce(f.rollback_started_at, h.rollback_started_at),
            rollback_started_by = coalesce(f.rollback_started_by, h.rollback_started_by),
            rollback_alarm = coalesce(f.rollback_alarm, h.rollback_alarm),
            rollback_automatic = coalesce(f.rollback_automatic, h.rollback_automatic),
            rollback_to_version = coalesce(f.rollback_to_version, h.rollback_to_version),
            rollback_to_artifact = coalesce(f.rollback_to_artifact, h.rollback_to_artifact),
            rollback_reason = coalesce(f.rollback_reason, h.rollback_reason),
            rollback_finished_at = coalesce(f.rollback_finished_at, h.rollback_finished_at),
            rollback_finished_by = coalesce(f.rollback_finished_by, h.rollback_finished_by),
            last_position = f.last_position
          FROM folded f
         WHERE h.id = f.id AND NOT f.requested_here
        RETURNING h.id, h.requested_at
    )
    INSERT INTO deploy_participants (actor, requested_at, deploy_id, role)
    SELECT DISTINCT pa.actor, d.requested_at, pa.id, pa.role
      FROM participants pa
      JOIN (SELECT id, requested_at FROM inserted UNION ALL SELECT id, requested_at FROM updated) AS d ON d.id = pa.id
     WHERE pa.actor IS NOT NULL
    ON CONFLICT DO NOTHING;

    -- Releases: a success adds the release that runs now.
    INSERT INTO service_releases (environment, service, position, deploy_id, version, artifact, deployed_by, deployed_at)
    SELECT p.environment, p.service, e.position, p.running ->> 'deployID', p.running ->> 'version',
           p.running ->> 'artifact', p.running -> 'deployedBy' ->> 'name', (p.running ->> 'deployedAt')::timestamptz
      FROM events e
     CROSS JOIN LATERAL json_to_record(e.payload) AS p(environment text, service text, outcome text, running json)
     WHERE e.type = 'ActiveDeployClosed' AND e.position BETWEEN p_from AND p_to
       AND p.outcome = 'succeeded' AND p.running IS NOT NULL;

    -- A rollback removes the rolled-back deploy's release and, if what runs now is not the
    -- newest release left, adds it. Rare, so one at a time, in order.
    FOR r IN
        SELECT e.position, p.environment, p.service, p."deployID", p.running
          FROM events e
         CROSS JOIN LATERAL json_to_record(e.payload) AS p(environment text, service text, "deployID" text, outcome text, running json)
         WHERE e.type = 'ActiveDeployClosed' AND e.position BETWEEN p_from AND p_to AND p.outcome = 'rolledBack'
         ORDER BY e.position
    LOOP
        UPDATE service_releases s SET rolled_back_position = r.position
         WHERE s.environment = r.environment AND s.service = r.service AND s.deploy_id = r."deployID"
           AND s.position < r.position AND s.rolled_back_position IS NULL;
        IF r.running IS NOT NULL THEN
            SELECT s.artifact INTO v_last
              FROM service_releases s
             WHERE s.environment = r.environment AND s.service = r.service AND s.position < r.position
               AND (s.rolled_back_position IS NULL OR s.rolled_back_position > r.position)
             ORDER BY s.position DESC LIMIT 1;
            IF v_last IS DISTINCT FROM r.running ->> 'artifact' THEN
                INSERT INTO service_releases (environment, service, position, deploy_id, version, artifact, deployed_by, deployed_at)
                VALUES (r.environment, r.service, r.position, r.running ->> 'deployID', r.running ->> 'version',
                        r.running ->> 'artifact', r.running -> 'deployedBy' ->> 'name', (r.running ->> 'deployedAt')::timestamptz);
            END IF;
        END IF;
    END LOOP;

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

    -- Each service in each environment touched by the range: its active slot, target, and the
    -- running and previous release (read back from service_releases, written above).
    WITH ev AS MATERIALIZED (
        SELECT e.position, e.type, p.*
          FROM events e
         CROSS JOIN LATERAL json_to_record(e.payload) AS p(
                   "deployID" text, environment text, service text, purpose text, version text, artifact text,
                   "openedBy" json, "openedAt" timestamptz, target json)
         WHERE e.type IN ('ActiveDeployOpened', 'ActiveDeployClosed', 'TargetSet')
           AND e.position BETWEEN p_from AND p_to
    ),
    keys AS (
        SELECT environment, service, max(position) AS last_position FROM ev GROUP BY environment, service
    ),
    opened AS (
        SELECT DISTINCT ON (environment, service) * FROM ev WHERE type = 'ActiveDeployOpened'
         ORDER BY environment, service, position DESC
    ),
    closed AS (
        SELECT DISTINCT ON (environment, service) * FROM ev WHERE type = 'ActiveDeployClosed'
         ORDER BY environment, service, position DESC
    ),
    targeted AS (
        SELECT DISTINCT ON (environment, service) * FROM ev WHERE type = 'TargetSet'
         ORDER BY environment, service, position DESC
    ),
    slot AS (
        -- The active slot after the range: the newest open if nothing closed after it; else
        -- what was open before (in the range or already), unless the close was for it.
        SELECT k.environment, k.service, k.last_position,
               CASE
                   WHEN o.position IS NOT NULL AND (c.position IS NULL OR o.position > c.position) THEN 'open'
                   WHEN c.position IS NULL THEN 'keep'
                   WHEN coalesce(o."deployID", s.in_flight_deploy_id) IS NOT DISTINCT FROM c."deployID" THEN 'clear'
                   WHEN o.position IS NOT NULL THEN 'open'
                   ELSE 'keep'
               END AS action,
               o."deployID", o.purpose, o.version, o.artifact, o."openedBy" ->> 'name' AS opened_by, o."openedAt",
               t.target, s.environment IS NOT NULL AS existed,
               s.in_flight_deploy_id, s.in_flight_purpose, s.in_flight_version, s.in_flight_artifact,
               s.in_flight_by, s.in_flight_since, s.target_cluster, s.target_ecs_service, s.target_region
          FROM keys k
          LEFT JOIN opened o ON o.environment = k.environment AND o.service = k.service
          LEFT JOIN closed c ON c.environment = k.environment AND c.service = k.service
          LEFT JOIN targeted t ON t.environment = k.environment AND t.service = k.service
          LEFT JOIN environment_services s ON s.environment = k.environment AND s.service = k.service
    )
    INSERT INTO environment_services AS s (
        environment, service,
        running_deploy_id, running_version, running_artifact, running_deployed_by, running_deployed_at,
        previous_deploy_id, previous_version, previous_artifact, previous_deployed_by, previous_deployed_at,
        in_flight_deploy_id, in_flight_purpose, in_flight_version, in_flight_artifact, in_flight_by, in_flight_since,
        target_cluster, target_ecs_service, target_region, last_position)
    SELECT sl.environment, sl.service,
           r1.deploy_id, r1.version, r1.artifact, r1.deployed_by, r1.deployed_at,
           r2.deploy_id, r2.version, r2.artifact, r2.deployed_by, r2.deployed_at,
           CASE sl.action WHEN 'open' THEN sl."deployID" WHEN 'keep' THEN sl.in_flight_deploy_id END,
           CASE sl.action WHEN 'open' THEN sl.purpose WHEN 'keep' THEN sl.in_flight_purpose END,
           CASE sl.action WHEN 'open' THEN sl.version WHEN 'keep' THEN sl.in_flight_version END,
           CASE sl.action WHEN 'open' THEN sl.artifact WHEN 'keep' THEN sl.in_flight_artifact END,
           CASE sl.action WHEN 'open' THEN sl.opened_by WHEN 'keep' THEN sl.in_flight_by END,
           CASE sl.action WHEN 'open' THEN sl."openedAt" WHEN 'keep' THEN sl.in_flight_since END,
           CASE WHEN sl.target IS NULL THEN sl.target_cluster ELSE sl.target ->> 'cluster' END,
           CASE WHEN sl.target IS NULL THEN sl.target_ecs_service ELSE sl.target ->> 'ecsService' END,
           CASE WHEN sl.target IS NULL THEN sl.target_region ELSE sl.target ->> 'region' END,
           sl.last_position
      FROM slot sl
      LEFT JOIN LATERAL (
          SELECT * FROM service_releases x
           WHERE x.environment = sl.environment AND x.service = sl.service AND x.rolled_back_position IS NULL
           ORDER BY x.position DESC LIMIT 1) AS r1 ON true
      LEFT JOIN LATERAL (
          SELECT * FROM service_releases x
           WHERE x.environment = sl.environment AND x.service = sl.service AND x.rolled_back_position IS NULL
           ORDER BY x.position DESC OFFSET 1 LIMIT 1) AS r2 ON true
    ON CONFLICT (environment, service) DO UPDATE SET
        running_deploy_id = EXCLUDED.running_deploy_id, running_version = EXCLUDED.running_version,
        running_artifact = EXCLUDED.running_artifact, running_deployed_by = EXCLUDED.running_deployed_by,
        running_deployed_at = EXCLUDED.running_deployed_at,
        previous_deploy_id = EXCLUDED.previous_deploy_id, previous_version = EXCLUDED.previous_version,
        previous_artifact = EXCLUDED.previous_artifact, previous_deployed_by = EXCLUDED.previous_deployed_by,
        previous_deployed_at = EXCLUDED.previous_deployed_at,
        in_flight_deploy_id = EXCLUDED.in_flight_deploy_id, in_flight_purpose = EXCLUDED.in_flight_purpose,
        in_flight_version = EXCLUDED.in_flight_version, in_flight_artifact = EXCLUDED.in_flight_artifact,
        in_flight_by = EXCLUDED.in_flight_by, in_flight_since = EXCLUDED.in_flight_since,
        target_cluster = EXCLUDED.target_cluster, target_ecs_service = EXCLUDED.target_ecs_service,
        target_region = EXCLUDED.target_region, last_position = EXCLUDED.last_position;

    -- A service known only from a lock still gets a row, so status shows the lock.
    INSERT INTO environment_services (environment, service, last_position)
    SELECT environment, service, position FROM environment_locks
     WHERE service <> '' AND position BETWEEN p_from AND p_to
    ON CONFLICT (environment, service) DO NOTHING;
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
    TRUNCATE deploy_history, deploy_participants, builds, service_releases, environment_services,
             environment_locks, active_alarms;
    UPDATE projection_checkpoints SET position = 0 WHERE name = p_name;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON
            projection_checkpoints, deploy_history, deploy_participants, builds, service_releases,
            environment_services, environment_locks, active_alarms
            TO shiplog_app;
        GRANT SELECT ON actor_activity TO shiplog_app;
    END IF;
END
$$;
