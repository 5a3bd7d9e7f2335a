-- Re-appliable projection SQL: how the projection tables are kept from the log.
--
-- Files in projections/ are not migrations: `shiplog migrate` applies each again whenever its
-- text changed (after every pending migration, in name order, each in its own transaction, its
-- checksum recorded in shiplog_projection_code), so changing a projection is an edit here,
-- `shiplog migrate`, then `shiplog projections rebuild`. Tables stay in migrations/. Every
-- statement here must be safe to run again: CREATE OR REPLACE, and the attributes and grants
-- restated.

-- Applies p_from .. p_to but the positions in p_skipped, which are recorded with p_reasons.
CREATE OR REPLACE FUNCTION shiplog_project_counted(p_from bigint, p_to bigint, p_skipped bigint[], p_reasons text[])
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
CREATE OR REPLACE FUNCTION shiplog_project_judged(p_name text, p_from bigint, p_to bigint, p_skipped bigint[], p_reasons text[])
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
CREATE OR REPLACE FUNCTION shiplog_projection_rebuild_judged(
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

-- The writers run with their owner's rights and the fixed search_path of 0003; only the owner
-- and shiplog_app may call them (restated: CREATE OR REPLACE resets the attributes).
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
    shiplog_project_counted(bigint, bigint, bigint[], text[])
    FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        GRANT EXECUTE ON FUNCTION
            shiplog_project_judged(text, bigint, bigint, bigint[], text[]),
            shiplog_projection_rebuild_judged(text, bigint, bigint, bigint[], text[])
            TO shiplog_app;
    END IF;
END
$$;
