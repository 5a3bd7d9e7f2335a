-- The event store: one append-only, hash-chained, gapless log.
--
-- Every invariant lives here, where no client can bypass it:
--   * append-only: UPDATE, DELETE and TRUNCATE on events raise (triggers), and the
--     shiplog_app role gets SELECT and INSERT only;
--   * one order: positions are assigned under the lock of the single head row, held until
--     commit, so position P becomes visible only after every position below it;
--   * hash chain: hash = SHA-256(prev_hash || canonical(event)), computed here at append time;
--     `shiplog verify` recomputes it from the stored rows with its own implementation;
--   * optimistic concurrency and idempotency: checked under the same lock, so no race.
--
-- canonical(event), all integers big-endian, str(s) = u32(octet length of UTF-8 s) || UTF-8 s:
--   u64 position || 16 bytes event id || str(stream) || u64 stream_version || str(type)
--   || str(payload text) || str(metadata text) || i64 recorded_at (microseconds since
--   1970-01-01T00:00:00Z) || str(actor)
-- The first event's prev_hash is 32 zero bytes.

CREATE TABLE shiplog_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position  bigint  NOT NULL CHECK (position >= 0),
    hash      bytea   NOT NULL CHECK (octet_length(hash) = 32)
);
INSERT INTO shiplog_head (position, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE events (
    position       bigint      PRIMARY KEY CHECK (position > 0),
    id             uuid        NOT NULL UNIQUE,
    stream         text        NOT NULL CHECK (stream <> ''),
    stream_version bigint      NOT NULL CHECK (stream_version > 0),
    type           text        NOT NULL CHECK (type <> ''),
    -- json, not jsonb: the stored text is exactly the text that was hashed.
    payload        json        NOT NULL,
    metadata       json        NOT NULL,
    recorded_at    timestamptz NOT NULL,
    actor          text        NOT NULL,
    prev_hash      bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash           bytea       NOT NULL CHECK (octet_length(hash) = 32),
    UNIQUE (stream, stream_version)
);
CREATE INDEX events_type_position ON events (type, position);

CREATE FUNCTION shiplog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the events table is append-only: % is refused', TG_OP
        USING ERRCODE = 'SL003',
              HINT = 'record a new event that corrects the old one instead';
END
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION shiplog_refuse_change();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION shiplog_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION shiplog_refuse_change();

-- str(s) of the canonical encoding.
CREATE FUNCTION shiplog_str(s text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT int4send(octet_length(convert_to(s, 'UTF8'))) || convert_to(s, 'UTF8')
$$;

-- Appends a group of requests in one transaction. Request r appends p_counts[r] events
-- (consecutive slices of the event arrays) to p_streams[r], expecting the stream to be at
-- version p_expected[r] (NULL: any version; 0: the stream must not exist yet).
--
-- One row per request: status 'appended', 'duplicate' (every id was already appended to this
-- stream with the same type and payload: the original positions are returned), 'conflict'
-- (stream_version holds the actual version) or 'id_reused' (an id belongs to another event).
-- With p_atomic, any status other than appended/duplicate raises instead, so a multi-stream
-- decision lands whole or not at all. Without it, requests succeed or fail independently:
-- that is what lets a server coalesce unrelated appends into one transaction.
CREATE FUNCTION shiplog_append(
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
-- The statements below run once per request; custom plans would be re-planned each time.
-- A generic plan is made once per session, possibly while the table is still empty, so
-- every lookup below is a scalar equality on a unique key, which keeps its index even then
-- (`id = ANY($1)` would not: it plans a sequential scan on an empty table, and keeps it).
SET plan_cache_mode = force_generic_plan
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
    v_now       timestamptz := clock_timestamp();
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

    -- The single point of serialization: held until this transaction commits.
    SELECT h.position, h.hash INTO v_position, v_hash FROM shiplog_head h FOR UPDATE;
    v_start := v_position;
    v_micros := int8send((extract(epoch FROM v_now) * 1000000)::bigint);

    FOR r IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
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

-- The application role: may read and append, never change or remove. Grant it to the login
-- role Shiplog uses (GRANT shiplog_app TO deployer). Roles are cluster-wide, so another
-- database of the same cluster may have created it already.
DO $$
BEGIN
    CREATE ROLE shiplog_app NOLOGIN;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'shiplog_app role not created (no CREATEROLE privilege); grant SELECT, INSERT on events by hand';
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON events, shiplog_head FROM shiplog_app;
        GRANT SELECT, INSERT ON events TO shiplog_app;
        GRANT SELECT, UPDATE ON shiplog_head TO shiplog_app;
        GRANT EXECUTE ON FUNCTION shiplog_append(text[], bigint[], int[], uuid[], text[], text[], text[], text[], boolean) TO shiplog_app;
    END IF;
END
$$;
