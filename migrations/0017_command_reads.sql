-- A command's read of its streams, as a function, so PostgreSQL keeps its plan.
--
-- LedgerStore.commands sent this statement as text for every command (and for every stretch the
-- projector judges): PostgreSQL planned it each time, 0.18-0.20 ms, against 0.05-0.08 ms to run
-- it (EXPLAIN (ANALYZE, SUMMARY), the benchmark's ledger of 1,000,287 events, a build's stream
-- and the three trust streams). Inside a PL/pgSQL function the plan is made once per connection.
--
-- What it returns is what the statement returned: the events of p_streams[i] after version
-- p_after[i], with the rest of every command that wrote to them (by the command id in their
-- metadata), in log order, in EventStore's columns.
CREATE FUNCTION shiplog_command_events(p_streams text[], p_after bigint[])
RETURNS TABLE (r_position bigint, r_id uuid, r_stream text, r_stream_version bigint, r_type text, r_payload text,
               r_metadata text, r_recorded_micros bigint, r_actor text, r_prev_hash bytea, r_hash bytea)
LANGUAGE plpgsql STABLE
-- The plan is made at a connection's first call and kept; made while the log was small (a new
-- ledger, a benchmark's scratch database), it would scan the events table for the rest of the
-- connection's life. Every step here is an index lookup (a stream's versions, a position, a
-- command id), so it is planned with the indexes and nothing else.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
-- A plan with a disabled step costs enough to be compiled with JIT on every call: off.
SET jit = off
AS $$
BEGIN
    RETURN QUERY
    WITH own AS (
        SELECT e.position, e.metadata ->> 'command' AS command
          FROM unnest(p_streams, p_after) AS w(stream, after)
          JOIN events e ON e.stream = w.stream AND e.stream_version > w.after
    )
    SELECT e.position, e.id, e.stream, e.stream_version, e.type, e.payload::text, e.metadata::text,
           (extract(epoch FROM e.recorded_at) * 1000000)::bigint, e.actor, e.prev_hash, e.hash
      FROM events e WHERE e.position IN (SELECT o.position FROM own o)
    UNION ALL
    -- The rest of each command, by its id: one probe of events_command per command (OFFSET 0
    -- keeps the probe a probe, whatever the statistics say). Events before a snapshot come too:
    -- a copy of an old command appended again is still a replay.
    SELECT e.position, e.id, e.stream, e.stream_version, e.type, e.payload::text, e.metadata::text,
           (extract(epoch FROM e.recorded_at) * 1000000)::bigint, e.actor, e.prev_hash, e.hash
      FROM (SELECT DISTINCT o.command FROM own o WHERE o.command IS NOT NULL) c
      JOIN LATERAL (SELECT * FROM events x
                     WHERE x.metadata ->> 'command' = c.command
                       AND x.position NOT IN (SELECT o.position FROM own o)
                    OFFSET 0) e ON true
    ORDER BY 1;
END
$$;

-- The fixed search_path of every function since 0003.
DO $$
DECLARE
    v_path text := format('pg_catalog, %I, pg_temp',
                          (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'events'::regclass));
BEGIN
    EXECUTE format('ALTER FUNCTION shiplog_command_events(text[], bigint[]) SET search_path = %s', v_path);
END
$$;
