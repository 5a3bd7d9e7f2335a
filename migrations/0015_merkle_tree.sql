-- The Merkle tree over the log (RFC 6962 hashing, as C2SP tlog-tiles and Go's sumdb/tlog):
--   leaf(event) = SHA-256(0x00 || canonical(event)), canonical as in 0001 (no prev_hash);
--   node        = SHA-256(0x01 || left || right).
-- Leaf i (0-based) is the event at position i + 1. Every complete subtree above the leaves is
-- stored once, as it completes: (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
-- A leaf is not stored: it is its event's hash, computed from the row when a proof needs it.
-- So any root, inclusion proof or consistency proof is O(log n) index reads, never a
-- recomputation.
--
-- The tree grows in the same transaction as the events, from a trigger on the events table:
-- no append path can skip it. The head row keeps the tree's right edge (the frontier): the
-- newest complete subtree of each level, which is all a new leaf needs. Appends already hold
-- the log's head row, so the tree grows in position order.
--
-- The tree does not replace the hash chain; it is what signed checkpoints (C2SP
-- tlog-checkpoint) commit to, so that evidence held outside the database can prove that the
-- log a reader is shown extends the one everyone else was shown.

CREATE TABLE shiplog_merkle (
    level smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
    idx   bigint   NOT NULL CHECK (idx >= 0),
    hash  bytea    NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);

CREATE TABLE shiplog_merkle_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    size      bigint  NOT NULL CHECK (size >= 0),
    -- frontier[level + 1]: the newest complete subtree at that level.
    frontier  bytea[] NOT NULL
);
INSERT INTO shiplog_merkle_head (size, frontier) VALUES (0, '{}');

CREATE FUNCTION shiplog_merkle_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the Merkle tree is append-only: % is refused', TG_OP
        USING ERRCODE = 'SL003',
              HINT = 'the tree follows the events table; nothing else writes it';
END
$$;
CREATE TRIGGER shiplog_merkle_no_update BEFORE UPDATE ON shiplog_merkle
    FOR EACH ROW EXECUTE FUNCTION shiplog_merkle_refuse_change();
CREATE TRIGGER shiplog_merkle_no_delete BEFORE DELETE ON shiplog_merkle
    FOR EACH ROW EXECUTE FUNCTION shiplog_merkle_refuse_change();
CREATE TRIGGER shiplog_merkle_no_truncate BEFORE TRUNCATE ON shiplog_merkle
    FOR EACH STATEMENT EXECUTE FUNCTION shiplog_merkle_refuse_change();

-- Adds the leaves of up to p_limit events past the tree's size, in position order, with every
-- subtree they complete. Returns how many were added.
--
-- The leaves are hashed in one set-based query inside this function, where PL/pgSQL keeps its
-- plan (a per-row function call, or a SQL function planned on every call, cost many times as
-- much). canonical is as in 0001; str(s) is u32 byte length || UTF-8 bytes: textsend gives
-- the UTF-8 bytes in a UTF8 database, convert_to in any other.
DO $$
DECLARE
    v_bytes text := CASE WHEN current_setting('server_encoding') = 'UTF8' THEN 'textsend(%1$s)' ELSE 'convert_to(%1$s, ''UTF8'')' END;
    v_str   text;
BEGIN
    v_str := 'int4send(octet_length(' || v_bytes || ')) || ' || v_bytes;
    EXECUTE format($f$
CREATE FUNCTION shiplog_merkle_extend(p_limit bigint) RETURNS bigint LANGUAGE plpgsql AS $body$
DECLARE
    v_size      bigint;
    v_start     bigint;
    v_frontier  bytea[];
    v_hash      bytea;
    v_level     int;
    v_positions bigint[];
    v_leaves    bytea[];
    w_levels    smallint[] := '{}';
    w_idx       bigint[]   := '{}';
    w_hashes    bytea[]    := '{}';
BEGIN
    -- Appends hold the log's head row, so one extension runs at a time; a row inserted past
    -- the append function (the owner's) is caught by the position check below.
    SELECT m.size, m.frontier INTO v_size, v_frontier FROM shiplog_merkle_head m FOR UPDATE;
    v_start := v_size;
    SELECT coalesce(array_agg(l.position ORDER BY l.position), '{}'), coalesce(array_agg(l.leaf ORDER BY l.position), '{}')
      INTO v_positions, v_leaves
      FROM (SELECT e.position,
                   sha256('\x00'::bytea || int8send(e.position) || uuid_send(e.id) || %s || int8send(e.stream_version)
                          || %s || %s || %s
                          || int8send((extract(epoch FROM e.recorded_at) * 1000000)::bigint) || %s) AS leaf
              FROM events e WHERE e.position > v_size ORDER BY e.position LIMIT p_limit) l;
    FOR i IN 1 .. coalesce(array_length(v_leaves, 1), 0) LOOP
        IF v_positions[i] <> v_size + 1 THEN
            RAISE EXCEPTION 'the Merkle tree has %% leaves but the next event is at position %%', v_size, v_positions[i]
                USING ERRCODE = 'SL003';
        END IF;
        v_hash := v_leaves[i];
        v_level := 0;
        WHILE (v_size >> v_level) & 1 = 1 LOOP
            v_hash := sha256('\x01'::bytea || v_frontier[v_level + 1] || v_hash);
            v_level := v_level + 1;
            w_levels := w_levels || v_level::smallint; w_idx := w_idx || (v_size >> v_level); w_hashes := w_hashes || v_hash;
        END LOOP;
        v_frontier[v_level + 1] := v_hash;
        v_size := v_size + 1;
    END LOOP;
    IF v_size > v_start THEN
        IF array_length(w_levels, 1) > 0 THEN
            INSERT INTO shiplog_merkle (level, idx, hash) SELECT * FROM unnest(w_levels, w_idx, w_hashes);
        END IF;
        UPDATE shiplog_merkle_head SET size = v_size, frontier = v_frontier;
    END IF;
    RETURN v_size - v_start;
END
$body$ $f$,
        format(v_str, 'e.stream'), format(v_str, 'e.type'), format(v_str, 'e.payload::text'),
        format(v_str, 'e.metadata::text'), format(v_str, 'e.actor'));
END
$$;

CREATE FUNCTION shiplog_merkle_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shiplog_merkle_extend(NULL);
    RETURN NULL;
END
$$;

-- The ledger's existing events first, in slices (a slice's arrays stay small).
DO $$
BEGIN
    WHILE shiplog_merkle_extend(20000) > 0 LOOP
    END LOOP;
END
$$;

CREATE TRIGGER events_grow_merkle_tree AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION shiplog_merkle_grow();

-- Signed checkpoints (C2SP tlog-checkpoint notes, with the witnesses' cosignatures), as the
-- ledger made them. The ones that count are published outside the database; this copy lets
-- the ledger check the next one against the last and lets `receipt` find one to prove against.
CREATE TABLE shiplog_checkpoints (
    tree_size  bigint      PRIMARY KEY CHECK (tree_size >= 0),
    root_hash  bytea       NOT NULL CHECK (octet_length(root_hash) = 32),
    note       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Records a checkpoint the caller signed, after checking it commits to the stored tree. A
-- checkpoint of the same size again (more cosignatures) replaces the note, never the root.
CREATE FUNCTION shiplog_checkpoint_record(p_size bigint, p_root bytea, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_size bigint;
BEGIN
    SELECT size INTO v_size FROM shiplog_merkle_head;
    IF p_size > v_size THEN
        RAISE EXCEPTION 'a checkpoint of % leaves is ahead of the tree (% leaves)', p_size, v_size
            USING ERRCODE = 'SL004';
    END IF;
    INSERT INTO shiplog_checkpoints (tree_size, root_hash, note) VALUES (p_size, p_root, p_note)
    ON CONFLICT (tree_size) DO UPDATE SET note = EXCLUDED.note, created_at = clock_timestamp()
        WHERE shiplog_checkpoints.root_hash = EXCLUDED.root_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a checkpoint of % leaves with another root is already recorded', p_size
            USING ERRCODE = 'SL004', HINT = 'two roots for one size is a fork of the log';
    END IF;
END
$$;

-- The owner's rights and the fixed search_path, like every definer function since 0003.
DO $$
DECLARE
    v_path text := format('pg_catalog, %I, pg_temp',
                          (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'events'::regclass));
BEGIN
    EXECUTE format('ALTER FUNCTION shiplog_merkle_grow() SECURITY DEFINER SET search_path = %s', v_path);
    EXECUTE format('ALTER FUNCTION shiplog_checkpoint_record(bigint, bytea, text) SET search_path = %s', v_path);
END
$$;
REVOKE EXECUTE ON FUNCTION shiplog_merkle_extend(bigint), shiplog_checkpoint_record(bigint, bytea, text) FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON shiplog_merkle, shiplog_merkle_head, shiplog_checkpoints FROM shiplog_app;
        GRANT SELECT ON shiplog_merkle, shiplog_merkle_head, shiplog_checkpoints TO shiplog_app;
        GRANT EXECUTE ON FUNCTION shiplog_checkpoint_record(bigint, bytea, text) TO shiplog_app;
    END IF;
END
$$;
