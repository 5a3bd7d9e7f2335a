-- Projections show only what counts.
--
-- The gate, every command and `shiplog verify` act only on events whose command signature
-- verifies against a key enrolled at that point of the log and whose signer was allowed to
-- issue that command (ShiplogCore's LedgerJudge). Ed25519 is not available in SQL, so the
-- projector judges each new stretch of the log in Shiplog and hands the positions that do
-- not count, with the reason, to shiplog_project_judged: they are recorded in skipped_events
-- (which `audit` and `events read` show) and left out of every projection table.
--
-- Left out by skipping: shiplog_project applies ranges, and applying the ranges between the
-- skipped positions one after another gives the same tables as one range (the projection
-- tests rebuild with one event per batch and compare). Skipped events are rare: an attack,
-- a bug, a rule the domain no longer allows.
--
-- The projector writes the judgment it was given. A holder of the application role could
-- call these functions with a judgment of its own and make a projection show an event that
-- does not count; the gate and `verify` never read projections, and `shiplog projections
-- rebuild` judges the whole log again.

CREATE TABLE skipped_events (
    position bigint PRIMARY KEY,
    reason   text   NOT NULL
);

-- A command's signature covers all its events: a command reading a few streams fetches the
-- rest of each command that wrote to them by its id.
CREATE INDEX events_command ON events ((metadata ->> 'command'));

-- Applies p_from .. p_to but the positions in p_skipped, which are recorded with p_reasons.
CREATE FUNCTION shiplog_project_counted(p_from bigint, p_to bigint, p_skipped bigint[], p_reasons text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_start bigint := p_from;
    v_skip  bigint;
BEGIN
    INSERT INTO skipped_events (position, reason)
    SELECT s.position, s.reason FROM unnest(p_skipped, p_reasons) AS s(position, reason)
     WHERE s.position BETWEEN p_from AND p_to
    ON CONFLICT (position) DO UPDATE SET reason = EXCLUDED.reason;
    FOR v_skip IN SELECT DISTINCT s FROM unnest(p_skipped) AS s WHERE s BETWEEN p_from AND p_to ORDER BY s LOOP
        IF v_skip > v_start THEN
            PERFORM shiplog_project(v_start, v_skip - 1);
        END IF;
        v_start := v_skip + 1;
    END LOOP;
    IF v_start <= p_to THEN
        PERFORM shiplog_project(v_start, p_to);
    END IF;
END
$$;

-- The projector's step: applies p_from .. p_to (judged: p_skipped do not count) when the
-- checkpoint p_name is still at p_from - 1, and advances it; returns how many positions it
-- applied, or -1 when another projector moved the checkpoint first (judge again from there).
CREATE FUNCTION shiplog_project_judged(p_name text, p_from bigint, p_to bigint, p_skipped bigint[], p_reasons text[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_checkpoint bigint;
    v_head       bigint;
BEGIN
    IF coalesce(array_length(p_skipped, 1), 0) <> coalesce(array_length(p_reasons, 1), 0) THEN
        RAISE EXCEPTION 'shiplog_project_judged: skipped positions and reasons differ in length' USING ERRCODE = '22023';
    END IF;
    INSERT INTO projection_checkpoints (name, position) VALUES (p_name, 0) ON CONFLICT (name) DO NOTHING;
    SELECT c.position INTO v_checkpoint FROM projection_checkpoints c WHERE c.name = p_name FOR UPDATE;
    IF v_checkpoint <> p_from - 1 THEN
        RETURN -1;
    END IF;
    SELECT h.position INTO v_head FROM shiplog_head h;
    IF p_to > v_head OR p_to < p_from THEN
        RAISE EXCEPTION 'shiplog_project_judged: % .. % is not a stretch of the log (head %)', p_from, p_to, v_head
            USING ERRCODE = '22023';
    END IF;
    PERFORM shiplog_project_counted(p_from, p_to, p_skipped, p_reasons);
    UPDATE projection_checkpoints SET position = p_to WHERE name = p_name;
    RETURN p_to - p_from + 1;
END
$$;

-- Empties every projection table, skipped_events included, and sets the checkpoint to 0.
CREATE OR REPLACE FUNCTION shiplog_projection_reset(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO projection_checkpoints (name, position) VALUES (p_name, 0) ON CONFLICT (name) DO NOTHING;
    PERFORM 1 FROM projection_checkpoints WHERE name = p_name FOR UPDATE;
    TRUNCATE deploy_history, deploy_participants, builds, environment_services, environment_locks, active_alarms,
             skipped_events;
    UPDATE projection_checkpoints SET position = 0 WHERE name = p_name;
END
$$;

-- `shiplog projections rebuild`: as shiplog_projection_rebuild (0002), over positions 1 ..
-- p_to judged as the caller says, in batches of p_batch, in the caller's transaction.
CREATE FUNCTION shiplog_projection_rebuild_judged(
    p_name text, p_batch bigint, p_to bigint, p_skipped bigint[], p_reasons text[]
) RETURNS bigint
LANGUAGE plpgsql SET default_statistics_target = 10 AS $$
DECLARE
    v_definitions text[];
    v_drops       text[];
    v_statement   text;
    v_from        bigint := 1;
    v_end         bigint;
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
    WHILE v_from <= p_to LOOP
        v_end := least(p_to, v_from + greatest(p_batch, 1) - 1);
        PERFORM shiplog_project_judged(p_name, v_from, v_end, p_skipped, p_reasons);
        v_from := v_end + 1;
    END LOOP;
    FOREACH v_statement IN ARRAY coalesce(v_definitions, '{}') LOOP
        EXECUTE v_statement;
    END LOOP;
    ANALYZE deploy_history, deploy_participants, builds, environment_services;
    RETURN p_to;
END
$$;

-- AdminRemoved joins the catalogue.
CREATE OR REPLACE FUNCTION shiplog_event_summary(p_type text, p json) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_type
        WHEN 'AdminRemoved' THEN format('removed admin %s', p ->> 'admin')
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

-- The new writers run with their owner's rights and the fixed search_path of 0003; only the
-- owner and shiplog_app may call them. The unjudged entry points are no longer the
-- application's: it can no longer apply an event without a judgment.
DO $$
DECLARE
    v_path text := format('pg_catalog, %I, pg_temp',
                          (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'events'::regclass));
    v_function regprocedure;
BEGIN
    FOREACH v_function IN ARRAY ARRAY[
        'shiplog_project_judged(text, bigint, bigint, bigint[], text[])'::regprocedure,
        'shiplog_projection_rebuild_judged(text, bigint, bigint, bigint[], text[])'::regprocedure,
        'shiplog_projection_reset(text)'::regprocedure]
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = %s', v_function, v_path);
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION
    shiplog_project_judged(text, bigint, bigint, bigint[], text[]),
    shiplog_projection_rebuild_judged(text, bigint, bigint, bigint[], text[]),
    shiplog_project_counted(bigint, bigint, bigint[], text[]),
    shiplog_project_batch(text, bigint),
    shiplog_projection_rebuild(text, bigint)
    FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE EXECUTE ON FUNCTION shiplog_project_batch(text, bigint), shiplog_projection_rebuild(text, bigint)
            FROM shiplog_app;
        GRANT SELECT ON skipped_events TO shiplog_app;
        GRANT EXECUTE ON FUNCTION
            shiplog_project_judged(text, bigint, bigint, bigint[], text[]),
            shiplog_projection_rebuild_judged(text, bigint, bigint, bigint[], text[])
            TO shiplog_app;
    END IF;
END
$$;
