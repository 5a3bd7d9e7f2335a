-- Group commit that pipelines: the lookups a call makes before deciding move ahead of the lock.
--
-- Appends are serialized on the head row, so what a call does while holding it is the log's
-- whole throughput. Measured on the benchmark's PostgreSQL (a 16-request call, 0014): 0.26 ms
-- of the call's 0.93 ms were the two lookup statements (the call's event ids, its streams'
-- versions), run after the lock. Now they run first: the head position and the streams'
-- versions in one statement (one snapshot), then the ids in one index scan. Once the head row
-- is ours, the events committed after the head seen (a range of the primary key: whatever
-- group held the lock meanwhile) patch what the lookups found. So a group sent while another
-- holds the lock does its lookups beside it, and the server may keep two groups in flight
-- (AppendBatcher). Everything else is 0014's: the same signature, outcomes, errors, hash
-- encoding and limits.
--
-- And shiplog_str, which encodes every string of the hash input, was declared IMMUTABLE over
-- convert_to, which is STABLE: PostgreSQL never inlines such a function, so each of the five
-- calls per event ran as a SQL function call of its own (about 10% of a 16-event call). It is
-- STABLE now, as what it calls, and inlines; its result is the same bytes.
CREATE OR REPLACE FUNCTION shiplog_str(s text) RETURNS bytea LANGUAGE sql STABLE STRICT AS $$
    SELECT int4send(octet_length(convert_to(s, 'UTF8'))) || convert_to(s, 'UTF8')
$$;

CREATE OR REPLACE FUNCTION shiplog_append_commands(
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
LANGUAGE plpgsql
SECURITY DEFINER
-- The plans are made at a connection's first call and kept. Every lookup here is on an index
-- (an id, a stream's versions, a range of positions), but a generic plan made while the log is
-- empty scans the table for `id = ANY (...)` (EXPLAIN on a new database), and a server keeps
-- its connections: so the indexes are the only way these statements are planned. (Without an
-- index to use, as on the one-row head table, a scan is still planned, at a cost that would
-- make PostgreSQL compile every statement with JIT: off.)
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET jit = off
SET lock_timeout = '10s'
AS $$
DECLARE
    -- Expanded local copies: element access is O(1).
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
    -- What the call will insert, in position order.
    w_positions bigint[] := '{}';
    w_ids       uuid[] := '{}';
    w_streams   text[] := '{}';
    w_versions  bigint[] := '{}';
    w_types     text[] := '{}';
    w_payloads  text[] := '{}';
    w_metadata  text[] := '{}';
    w_actors    text[] := '{}';
    w_prevs     bytea[] := '{}';
    w_hashes    bytea[] := '{}';
    -- The streams the call appended to, and their versions after it.
    s_streams   text[] := '{}';
    s_versions  bigint[] := '{}';
    -- A unit's state at its start, to roll it back, and its rows, emitted once it landed.
    u_length    int;
    u_position  bigint;
    u_hash      bytea;
    u_streams   text[];
    u_versions  bigint[];
    o_requests  int[];
    o_statuses  text[];
    o_firsts    bigint[];
    o_lasts     bigint[];
    o_versions  bigint[];
    v_refused   boolean;
    v_request   int := 1;   -- the unit's first request
    v_event     int := 0;   -- events before the current request
    u_event     int;        -- events before the unit
    v_count     int;
    v_current   bigint;
    v_index     int;
    v_found     int;
    v_matching  int;
    v_first     bigint;
    v_last      bigint;
    v_version   bigint;
    v_seen_position bigint;
    v_seen_version  bigint;
    v_same      boolean;
    i           int;
    -- What the log already holds for the call's event ids (by index in p_ids; NULL where
    -- none) and streams (their versions), read up front rather than per request.
    k_positions bigint[];
    k_versions  bigint[];
    k_streams   text[];
    k_types     text[];
    k_payloads  text[];
    m_versions  bigint[];
    -- The log's head when the lookups above read it, and what committed after that.
    v_seen_head bigint;
    d           record;
BEGIN
    IF coalesce(array_length(p_streams, 1), 0) <> coalesce(array_length(p_expected, 1), 0)
       OR coalesce(array_length(p_streams, 1), 0) <> coalesce(array_length(p_counts, 1), 0) THEN
        RAISE EXCEPTION 'shiplog_append: streams, expected versions and counts differ in length'
            USING ERRCODE = '22023';
    END IF;
    IF v_timeout > interval '0' THEN
        v_deadline := statement_timestamp() + v_timeout;
    END IF;

    -- What the log holds for the call's streams and event ids, before the head row is ours:
    -- while another group holds it, these lookups run beside that group's work instead of
    -- after it. The head is read first (with the streams' versions, in one snapshot); the ids
    -- after, in one index scan (an id is rarely there: a retry). Whatever committed after that
    -- head is read again once the lock is ours.
    SELECT (SELECT h.position FROM shiplog_head h),
           array_agg((SELECT max(e.stream_version) FROM events e WHERE e.stream = u.stream) ORDER BY u.n)
      INTO v_seen_head, m_versions
      FROM unnest(p_streams) WITH ORDINALITY AS u(stream, n);
    FOR d IN SELECT e.position, e.id, e.stream, e.stream_version, e.type, e.payload::text AS payload
               FROM events e WHERE e.id = ANY (a_ids)
    LOOP
        FOR j IN 1 .. coalesce(array_length(a_ids, 1), 0) LOOP
            IF a_ids[j] = d.id THEN
                k_positions[j] := d.position; k_versions[j] := d.stream_version; k_streams[j] := d.stream;
                k_types[j] := d.type; k_payloads[j] := d.payload;
            END IF;
        END LOOP;
    END LOOP;

    -- The single point of serialization: held until this transaction commits.
    SELECT h.position, h.hash INTO v_position, v_hash FROM shiplog_head h FOR UPDATE;
    v_start := v_position;
    -- The time is read once the head row is ours, never earlier than the newest event.
    v_now := greatest(clock_timestamp(), (SELECT e.recorded_at FROM events e WHERE e.position = v_position));
    v_micros := int8send((extract(epoch FROM v_now) * 1000000)::bigint);

    -- Groups that committed between the lookups and the lock: their events (positions are
    -- gapless and given in commit order, so they are exactly those after the head seen) may
    -- hold one of the call's ids or move one of its streams on.
    IF v_position > v_seen_head THEN
        FOR d IN SELECT e.position, e.id, e.stream, e.stream_version, e.type, e.payload::text AS payload
                   FROM events e
                  WHERE e.position > v_seen_head AND e.position <= v_position
                    AND (e.id = ANY (a_ids) OR e.stream = ANY (p_streams))
        LOOP
            FOR j IN 1 .. coalesce(array_length(a_ids, 1), 0) LOOP
                IF a_ids[j] = d.id THEN
                    k_positions[j] := d.position; k_versions[j] := d.stream_version; k_streams[j] := d.stream;
                    k_types[j] := d.type; k_payloads[j] := d.payload;
                END IF;
            END LOOP;
            FOR j IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
                IF p_streams[j] = d.stream THEN
                    m_versions[j] := greatest(m_versions[j], d.stream_version);
                END IF;
            END LOOP;
        END LOOP;
    END IF;

    FOR c IN 1 .. coalesce(array_length(p_sizes, 1), 0) LOOP
        u_length := coalesce(array_length(w_ids, 1), 0);
        u_event := v_event;
        u_position := v_position; u_hash := v_hash;
        u_streams := s_streams; u_versions := s_versions;
        o_requests := '{}'; o_statuses := '{}'; o_firsts := '{}'; o_lasts := '{}'; o_versions := '{}';
        v_refused := false;

        FOR r IN v_request .. v_request + p_sizes[c] - 1 LOOP
            IF clock_timestamp() > v_deadline THEN
                PERFORM shiplog_append_timed_out(v_timeout);
            END IF;
            v_count := p_counts[r];

            -- Idempotency: one index probe per id, and the events this call took in already;
            -- a retry is recognised by id, stream, type and payload.
            v_found := 0; v_matching := 0; v_first := NULL; v_last := NULL; v_version := NULL;
            FOR j IN 1 .. v_count LOOP
                i := v_event + j;
                v_index := array_position(w_ids, a_ids[i]);
                IF v_index IS NOT NULL THEN
                    v_seen_position := w_positions[v_index]; v_seen_version := w_versions[v_index];
                    v_same := w_streams[v_index] = p_streams[r] AND w_types[v_index] = a_types[i]
                              AND w_payloads[v_index] = a_payloads[i];
                ELSIF k_positions[i] IS NOT NULL THEN
                    v_seen_position := k_positions[i]; v_seen_version := k_versions[i];
                    v_same := k_streams[i] = p_streams[r] AND k_types[i] = a_types[i] AND k_payloads[i] = a_payloads[i];
                ELSE
                    CONTINUE;
                END IF;
                v_found := v_found + 1;
                IF v_same THEN v_matching := v_matching + 1; END IF;
                v_first := least(v_first, v_seen_position); v_last := greatest(v_last, v_seen_position);
                v_version := greatest(v_version, v_seen_version);
            END LOOP;

            IF v_found > 0 THEN
                IF v_found = v_count AND v_matching = v_count THEN
                    o_requests := o_requests || (r - v_request + 1); o_statuses := o_statuses || 'duplicate'::text;
                    o_firsts := o_firsts || v_first; o_lasts := o_lasts || v_last; o_versions := o_versions || v_version;
                ELSE
                    v_refused := true;
                    status := 'id_reused'; stream_version := NULL; refused_stream := p_streams[r];
                END IF;
            ELSE
                v_index := array_position(s_streams, p_streams[r]);
                IF v_index IS NOT NULL THEN
                    v_current := s_versions[v_index];
                ELSE
                    v_current := coalesce(m_versions[r], 0);
                END IF;

                IF p_expected[r] IS NOT NULL AND p_expected[r] <> v_current THEN
                    v_refused := true;
                    status := 'conflict'; stream_version := v_current; refused_stream := p_streams[r];
                ELSE
                    FOR j IN 1 .. v_count LOOP
                        i := v_event + j;
                        w_prevs := w_prevs || v_hash;
                        v_hash := sha256(
                            v_hash
                            || int8send(v_position + 1)
                            || uuid_send(a_ids[i])
                            || shiplog_str(p_streams[r])
                            || int8send(v_current + j)
                            || shiplog_str(a_types[i])
                            || shiplog_str(a_payloads[i])
                            || shiplog_str(a_metadata[i])
                            || v_micros
                            || shiplog_str(a_actors[i]));
                        v_position := v_position + 1;
                        w_positions := w_positions || v_position;
                        w_ids := w_ids || a_ids[i];
                        w_streams := w_streams || p_streams[r];
                        w_versions := w_versions || (v_current + j);
                        w_types := w_types || a_types[i];
                        w_payloads := w_payloads || a_payloads[i];
                        w_metadata := w_metadata || a_metadata[i];
                        w_actors := w_actors || a_actors[i];
                        w_hashes := w_hashes || v_hash;
                    END LOOP;
                    IF v_count > 0 THEN
                        IF v_index IS NOT NULL THEN
                            s_versions[v_index] := v_current + v_count;
                        ELSE
                            s_streams := s_streams || p_streams[r]; s_versions := s_versions || (v_current + v_count);
                        END IF;
                    END IF;
                    o_requests := o_requests || (r - v_request + 1); o_statuses := o_statuses || 'appended'::text;
                    o_firsts := o_firsts || (v_position - v_count + 1); o_lasts := o_lasts || v_position;
                    o_versions := o_versions || (v_current + v_count);
                END IF;
            END IF;
            v_event := v_event + v_count;
            EXIT WHEN v_refused;
        END LOOP;

        command := c;
        IF v_refused THEN
            -- Nothing of this unit lands: back to where it started.
            IF coalesce(array_length(w_ids, 1), 0) > u_length THEN
                w_positions := w_positions[1:u_length]; w_ids := w_ids[1:u_length];
                w_streams := w_streams[1:u_length]; w_versions := w_versions[1:u_length];
                w_types := w_types[1:u_length]; w_payloads := w_payloads[1:u_length];
                w_metadata := w_metadata[1:u_length]; w_actors := w_actors[1:u_length];
                w_prevs := w_prevs[1:u_length]; w_hashes := w_hashes[1:u_length];
            END IF;
            v_position := u_position; v_hash := u_hash;
            s_streams := u_streams; s_versions := u_versions;
            request := NULL; first_position := NULL; last_position := NULL;
            RETURN NEXT;
        ELSE
            refused_stream := NULL;
            FOR k IN 1 .. coalesce(array_length(o_requests, 1), 0) LOOP
                request := o_requests[k]; status := o_statuses[k];
                first_position := o_firsts[k]; last_position := o_lasts[k]; stream_version := o_versions[k];
                RETURN NEXT;
            END LOOP;
        END IF;
        -- The next unit's events start after every event of this one's requests.
        v_event := u_event;
        FOR r IN v_request .. v_request + p_sizes[c] - 1 LOOP
            v_event := v_event + p_counts[r];
        END LOOP;
        v_request := v_request + p_sizes[c];
    END LOOP;

    IF v_position > v_start THEN
        INSERT INTO events (position, id, stream, stream_version, type, payload, metadata,
                            recorded_at, actor, prev_hash, hash)
        SELECT t.position, t.id, t.stream, t.version, t.type, t.payload::json, t.metadata::json,
               v_now, t.actor, t.prev, t.hash
          FROM unnest(w_positions, w_ids, w_streams, w_versions, w_types, w_payloads, w_metadata, w_actors,
                      w_prevs, w_hashes)
               AS t(position, id, stream, version, type, payload, metadata, actor, prev, hash);
        UPDATE shiplog_head SET position = v_position, hash = v_hash;
        -- Delivered at commit: subscribers wake and read forward from their checkpoint.
        PERFORM pg_notify('shiplog_events', v_position::text);
    END IF;
END
$$;

-- The owner's rights and the fixed search_path, as every writer since 0003 (CREATE OR REPLACE
-- keeps the grants, not the settings).
DO $$
DECLARE
    v_path text := format('pg_catalog, %I, pg_temp',
                          (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'events'::regclass));
BEGIN
    EXECUTE format(
        'ALTER FUNCTION shiplog_append_commands(int[], text[], bigint[], int[], uuid[], text[], text[], text[], text[]) SET search_path = %s',
        v_path);
END
$$;
