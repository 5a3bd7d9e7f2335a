-- The door: the database, not the client, decides how the log and the projections are written.
--
-- Every CLI user's login role holds shiplog_app, so the application role is the door anyone
-- who can reach the database walks through. Until now it had INSERT on events and UPDATE on
-- shiplog_head (an `UPDATE shiplog_head SET hash = ...` broke the chain for good while later
-- appends went on succeeding) and every write privilege on the projection tables. From here:
--   * shiplog_app has SELECT only, on every table and view it reads (shiplog_migrations too,
--     so the CLI can check that the schema is current);
--   * the log is appended to only through shiplog_append, and the projections are written
--     only through shiplog_project_batch, shiplog_projection_reset and
--     shiplog_projection_rebuild: these run with their owner's rights (SECURITY DEFINER),
--     with a fixed search_path (pg_catalog, the schema they live in, pg_temp last) so no
--     object of the caller's can stand in for one of ours, and only the owner and
--     shiplog_app may execute them;
--   * an append takes its recorded time once it holds the head row, so recorded times never
--     go backwards as positions go forward, and gives up instead of waiting forever:
--     lock_timeout (10 s) bounds its wait for the head row, shiplog_append_timeout() (30 s,
--     counted from the start of the statement) bounds the whole append.
--
-- A function that later replaces one of these (a new signature is a new function) must be
-- made SECURITY DEFINER with the same search_path, and granted the same way, below.
--
-- `shiplog migrate` must run as the role that owns these objects (the one that ran 0001):
-- a role holding shiplog_app can no longer change them.

-- Same signature, behaviour and hash encoding as in 0001 (ShiplogCore's EventHashEncoding
-- recomputes it); what changed is marked.
--
-- Why a limit of our own rather than `SET statement_timeout` on the function: PostgreSQL arms
-- the statement timer when the client's statement starts, so a statement_timeout set on the
-- function never applies to the call. shiplog_append_timeout() is checked as the append
-- works, and passing it raises the statement timeout's SQLSTATE (57014); 0 turns it off. (It
-- is a function, not a custom setting on shiplog_append, because only a superuser may put a
-- custom setting on a function.) A session's own statement_timeout still applies as usual.
-- The owner can change both limits:
--   ALTER FUNCTION shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean)
--       SET lock_timeout = '20s';
--   CREATE OR REPLACE FUNCTION shiplog_append_timeout() RETURNS interval
--       LANGUAGE sql STABLE AS $$ SELECT interval '60 seconds' $$;
CREATE FUNCTION shiplog_append_timeout() RETURNS interval
LANGUAGE sql STABLE AS $$ SELECT interval '30 seconds' $$;

CREATE OR REPLACE FUNCTION shiplog_append(
    p_streams  text[],
    p_expected bigint[],
    p_counts   int[],
    p_ids      uuid[],
    p_types    text[],
    p_payloads text[],
    p_metadata text[],
    p_actors   text[],
    p_atomic   boolean DEFAULT false
) RETURNS TABLE (request int, status text, first_position bigint, last_position bigint, stream_version bigint)
LANGUAGE plpgsql
-- New: the caller needs no privilege on events or shiplog_head, only EXECUTE on this.
SECURITY DEFINER
-- The statements below run once per request; custom plans would be re-planned each time.
-- A generic plan is made once per session, possibly while the table is still empty, so
-- every lookup below is a scalar equality on a unique key, which keeps its index even then
-- (`id = ANY($1)` would not: it plans a sequential scan on an empty table, and keeps it).
SET plan_cache_mode = force_generic_plan
-- New: waiting for the head row (another append holding it until its commit) ends here.
SET lock_timeout = '10s'
AS $$
DECLARE
    -- Local copies are held expanded: element access is O(1). Reading or slicing the
    -- parameters themselves walks the whole (variable-width) array every time.
    a_ids       uuid[] := p_ids;
    a_types     text[] := p_types;
    a_payloads  text[] := p_payloads;
    a_metadata  text[] := p_metadata;
    a_actors    text[] := p_actors;
    v_position  bigint;
    v_hash      bytea;
    v_start     bigint;
    v_now       timestamptz;
    v_timeout   interval := shiplog_append_timeout();
    v_deadline  timestamptz;
    v_micros    bytea;
    v_offset    int := 0;
    v_count     int;
    v_current   bigint;
    v_found     int;
    v_matching  int;
    v_first     bigint;
    v_last      bigint;
    v_version   bigint;
    v_seen_position bigint;
    v_seen_version  bigint;
    v_same      boolean;
    r_ids       uuid[];
    r_types     text[];
    r_payloads  text[];
    r_metadata  text[];
    r_actors    text[];
    r_positions bigint[];
    r_versions  bigint[];
    r_prevs     bytea[];
    r_hashes    bytea[];
    i           int;
BEGIN
    IF coalesce(array_length(p_streams, 1), 0) <> coalesce(array_length(p_expected, 1), 0)
       OR coalesce(array_length(p_streams, 1), 0) <> coalesce(array_length(p_counts, 1), 0) THEN
        RAISE EXCEPTION 'shiplog_append: streams, expected versions and counts differ in length'
            USING ERRCODE = '22023';
    END IF;
    IF v_timeout > interval '0' THEN
        v_deadline := statement_timestamp() + v_timeout;
    END IF;

    -- The single point of serialization: held until this transaction commits.
    SELECT h.position, h.hash INTO v_position, v_hash FROM shiplog_head h FOR UPDATE;
    v_start := v_position;
    -- New: the time is read once the head row is ours, so an append that waited for it is
    -- not stamped earlier than the one it waited for. Never earlier than the newest event
    -- either, should the server's clock step back.
    v_now := greatest(clock_timestamp(), (SELECT e.recorded_at FROM events e WHERE e.position = v_position));
    v_micros := int8send((extract(epoch FROM v_now) * 1000000)::bigint);

    FOR r IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        IF clock_timestamp() > v_deadline THEN
            PERFORM shiplog_append_timed_out(v_timeout);
        END IF;
        v_count := p_counts[r];
        request := r;
        r_ids := '{}'; r_types := '{}'; r_payloads := '{}'; r_metadata := '{}'; r_actors := '{}';
        FOR j IN 1 .. v_count LOOP
            i := v_offset + j;
            r_ids := r_ids || a_ids[i];
            r_types := r_types || a_types[i];
            r_payloads := r_payloads || a_payloads[i];
            r_metadata := r_metadata || a_metadata[i];
            r_actors := r_actors || a_actors[i];
        END LOOP;

        -- Idempotency: one index probe per id; a retry is recognised by id, stream, type and payload.
        v_found := 0; v_matching := 0; v_first := NULL; v_last := NULL; v_version := NULL;
        FOR j IN 1 .. v_count LOOP
            SELECT e.position, e.stream_version, (e.stream = p_streams[r] AND e.type = r_types[j]
                                                  AND e.payload::text = r_payloads[j])
              INTO v_seen_position, v_seen_version, v_same
              FROM events e WHERE e.id = r_ids[j];
            IF FOUND THEN
                v_found := v_found + 1;
                IF v_same THEN v_matching := v_matching + 1; END IF;
                v_first := least(v_first, v_seen_position); v_last := greatest(v_last, v_seen_position);
                v_version := greatest(v_version, v_seen_version);
            END IF;
        END LOOP;
        IF v_found > 0 THEN
            IF v_found = v_count AND v_matching = v_count THEN
                status := 'duplicate';
                first_position := v_first; last_position := v_last; stream_version := v_version;
            ELSE
                status := 'id_reused';
                first_position := NULL; last_position := NULL; stream_version := NULL;
            END IF;
        ELSE
            SELECT coalesce(max(e.stream_version), 0) INTO v_current
              FROM events e WHERE e.stream = p_streams[r];

            IF p_expected[r] IS NOT NULL AND p_expected[r] <> v_current THEN
                status := 'conflict';
                first_position := NULL; last_position := NULL; stream_version := v_current;
            ELSE
                r_positions := '{}'; r_versions := '{}'; r_prevs := '{}'; r_hashes := '{}';
                FOR j IN 1 .. v_count LOOP
                    IF clock_timestamp() > v_deadline THEN
                        PERFORM shiplog_append_timed_out(v_timeout);
                    END IF;
                    r_positions := r_positions || (v_position + 1);
                    r_versions := r_versions || (v_current + j);
                    r_prevs := r_prevs || v_hash;
                    v_hash := sha256(
                        v_hash
                        || int8send(v_position + 1)
                        || uuid_send(r_ids[j])
                        || shiplog_str(p_streams[r])
                        || int8send(v_current + j)
                        || shiplog_str(r_types[j])
                        || shiplog_str(r_payloads[j])
                        || shiplog_str(r_metadata[j])
                        || v_micros
                        || shiplog_str(r_actors[j]));
                    r_hashes := r_hashes || v_hash;
                    v_position := v_position + 1;
                END LOOP;

                INSERT INTO events (position, id, stream, stream_version, type, payload, metadata,
                                    recorded_at, actor, prev_hash, hash)
                SELECT t.position, t.id, p_streams[r], t.version, t.type, t.payload::json, t.metadata::json,
                       v_now, t.actor, t.prev, t.hash
                  FROM unnest(r_positions, r_ids, r_versions, r_types, r_payloads, r_metadata, r_actors,
                              r_prevs, r_hashes)
                       AS t(position, id, version, type, payload, metadata, actor, prev, hash);

                status := 'appended';
                first_position := v_position - v_count + 1; last_position := v_position;
                stream_version := v_current + v_count;
            END IF;
        END IF;

        IF p_atomic AND status NOT IN ('appended', 'duplicate') THEN
            RAISE EXCEPTION 'append to % refused: %', p_streams[r], status
                USING ERRCODE = CASE status WHEN 'conflict' THEN 'SL001' ELSE 'SL002' END,
                      DETAIL = coalesce(stream_version::text, '');
        END IF;

        v_offset := v_offset + v_count;
        RETURN NEXT;
    END LOOP;

    IF v_position > v_start THEN
        UPDATE shiplog_head SET position = v_position, hash = v_hash;
        -- Delivered at commit: subscribers wake and read forward from their checkpoint.
        PERFORM pg_notify('shiplog_events', v_position::text);
    END IF;
END
$$;

-- Raises the error of an append past shiplog_append_timeout(). Kept out of shiplog_append so
-- that its check costs a comparison only.
CREATE FUNCTION shiplog_append_timed_out(p_timeout interval) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the append was canceled: it ran longer than its time limit of % s',
                    trim_scale(extract(epoch FROM p_timeout))
        USING ERRCODE = '57014',
              HINT = 'nothing was written; run the command again, and if appends keep running this long, append fewer events at once or have the owner raise the limit (shiplog_append_timeout())';
END
$$;

-- The projection writers run with their owner's rights too; shiplog_projection_rebuild (0002)
-- already did, with the migration session's search_path.
ALTER FUNCTION shiplog_project_batch(text, bigint) SECURITY DEFINER;
ALTER FUNCTION shiplog_projection_reset(text) SECURITY DEFINER;

-- The fixed search_path of every definer function: pg_catalog first, so built-in functions
-- and operators cannot be shadowed, then the schema Shiplog's tables are in, and pg_temp
-- last, so a caller's temporary table cannot stand in for one of ours.
DO $$
DECLARE
    v_path text := format('pg_catalog, %I, pg_temp',
                          (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'events'::regclass));
    v_function regprocedure;
BEGIN
    FOREACH v_function IN ARRAY ARRAY[
        'shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean)'::regprocedure,
        'shiplog_project_batch(text, bigint)'::regprocedure,
        'shiplog_projection_reset(text)'::regprocedure,
        'shiplog_projection_rebuild(text, bigint)'::regprocedure]
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %s', v_function, v_path);
    END LOOP;
END
$$;

-- Only the owner and shiplog_app may execute the definer functions. The inner ones
-- (shiplog_project, shiplog_append_timed_out) are the definer functions' business alone.
REVOKE EXECUTE ON FUNCTION
    shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean),
    shiplog_project_batch(text, bigint),
    shiplog_projection_reset(text),
    shiplog_projection_rebuild(text, bigint),
    shiplog_project(bigint, bigint),
    shiplog_append_timed_out(interval)
    FROM PUBLIC;

-- The application role reads everything and writes nothing itself. Roles are cluster-wide:
-- 0001 created shiplog_app, or said why it could not.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON
            events, shiplog_head, projection_checkpoints, deploy_history, deploy_participants, builds,
            environment_services, environment_locks, active_alarms, actor_activity
            FROM shiplog_app;
        GRANT SELECT ON
            events, shiplog_head, projection_checkpoints, deploy_history, deploy_participants, builds,
            environment_services, environment_locks, active_alarms, actor_activity
            TO shiplog_app;
        -- Created by the migrator, before the first migration.
        IF to_regclass('shiplog_migrations') IS NOT NULL THEN
            REVOKE ALL ON shiplog_migrations FROM shiplog_app;
            GRANT SELECT ON shiplog_migrations TO shiplog_app;
        END IF;
        GRANT EXECUTE ON FUNCTION
            shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean),
            shiplog_project_batch(text, bigint),
            shiplog_projection_reset(text),
            shiplog_projection_rebuild(text, bigint)
            TO shiplog_app;
    END IF;
END
$$;
