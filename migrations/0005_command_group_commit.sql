-- Group commit for ledger commands.
--
-- A command appends to several streams at once, all or nothing (shiplog_append with
-- p_atomic). A server handling many commands at once would have each wait for the previous
-- one's commit on the head row; shiplog_append_commands lets several commands share one call
-- and one commit, each keeping its own all-or-nothing outcome: every command runs in a
-- subtransaction, so one that conflicts (SL001) or reuses an id (SL002) is rolled back alone,
-- head row included, and reports why, while the others land.
--
-- p_sizes[c] is how many requests (consecutive entries of p_streams, p_expected, p_counts)
-- command c has; its events are the consecutive slices of the event arrays that its requests'
-- counts add up to. One row per request of a landed command (status 'appended' or
-- 'duplicate', as shiplog_append gives it), or one row for a refused command (status
-- 'conflict' or 'id_reused', request NULL, stream_version the stream's actual version).
CREATE FUNCTION shiplog_append_commands(
    p_sizes    int[],
    p_streams  text[],
    p_expected bigint[],
    p_counts   int[],
    p_ids      uuid[],
    p_types    text[],
    p_payloads text[],
    p_metadata text[],
    p_actors   text[]
) RETURNS TABLE (command int, request int, status text, first_position bigint, last_position bigint,
                 stream_version bigint, refused_stream text)
LANGUAGE plpgsql AS $$
DECLARE
    v_request int := 1;   -- the first request of the current command
    v_event   int := 1;   -- its first event
    v_events  int;
    v_row     record;
BEGIN
    FOR c IN 1 .. coalesce(array_length(p_sizes, 1), 0) LOOP
        v_events := 0;
        FOR r IN v_request .. v_request + p_sizes[c] - 1 LOOP
            v_events := v_events + p_counts[r];
        END LOOP;
        BEGIN
            FOR v_row IN
                SELECT * FROM shiplog_append(
                    p_streams[v_request : v_request + p_sizes[c] - 1],
                    p_expected[v_request : v_request + p_sizes[c] - 1],
                    p_counts[v_request : v_request + p_sizes[c] - 1],
                    p_ids[v_event : v_event + v_events - 1],
                    p_types[v_event : v_event + v_events - 1],
                    p_payloads[v_event : v_event + v_events - 1],
                    p_metadata[v_event : v_event + v_events - 1],
                    p_actors[v_event : v_event + v_events - 1],
                    true)
            LOOP
                command := c; request := v_row.request; status := v_row.status;
                first_position := v_row.first_position; last_position := v_row.last_position;
                stream_version := v_row.stream_version; refused_stream := NULL;
                RETURN NEXT;
            END LOOP;
        EXCEPTION WHEN SQLSTATE 'SL001' OR SQLSTATE 'SL002' THEN
            DECLARE
                v_message text;
                v_detail  text;
                v_state   text;
            BEGIN
                GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_state = RETURNED_SQLSTATE;
                command := c; request := NULL;
                status := CASE v_state WHEN 'SL001' THEN 'conflict' ELSE 'id_reused' END;
                first_position := NULL; last_position := NULL;
                stream_version := nullif(v_detail, '')::bigint;
                -- 'append to <stream> refused: ...' names the stream.
                refused_stream := substring(v_message FROM '^append to (.*) refused: ');
                RETURN NEXT;
            END;
        END;
        v_request := v_request + p_sizes[c];
        v_event := v_event + v_events;
    END LOOP;
END
$$;

-- Like every writer since 0003: the owner's rights, a fixed search_path, callable only by the
-- owner and shiplog_app.
DO $$
DECLARE
    v_path text := format('pg_catalog, %I, pg_temp',
                          (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'events'::regclass));
BEGIN
    EXECUTE format(
        'ALTER FUNCTION shiplog_append_commands(int[], text[], bigint[], int[], uuid[], text[], text[], text[], text[]) SECURITY DEFINER SET search_path = %s',
        v_path);
END
$$;
REVOKE EXECUTE ON FUNCTION shiplog_append_commands(int[], text[], bigint[], int[], uuid[], text[], text[], text[], text[])
    FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        GRANT EXECUTE ON FUNCTION
            shiplog_append_commands(int[], text[], bigint[], int[], uuid[], text[], text[], text[], text[])
            TO shiplog_app;
    END IF;
END
$$;
