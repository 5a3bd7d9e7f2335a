-- The Merkle tree over the log (RFC 6962 hashing, as C2SP tlog-tiles and Go's sumdb/tlog):
--   leaf(event) = SHA-256(0x00 || canonical(event)), canonical as in 0001 (no prev_hash);
--   node        = SHA-256(0x01 || left || right).
-- Leaf i (0-based) is the event at position i + 1; (level, idx) is the complete subtree over
-- leaves [idx * 2^level, (idx + 1) * 2^level).
--
-- Stored: every complete subtree from level 4 up (a tile of 16 events and above), once, as it
-- completes. Below that a node is the hash of at most 16 events, computed from their rows when
-- a proof needs it (as tlog-tiles leaves the partial tile to the reader). So any root,
-- inclusion proof or consistency proof is O(log n) index reads plus at most a few tiles of
-- events, never a recomputation; and an append writes about one row per 16 events, which
-- keeps the tree's share of every commit's WAL small.
--
-- The tree grows in the same transaction as the events, from a statement trigger on the events
-- table, so no append path can skip it. Appends hold the log's head row, so tiles complete in
-- position order.
--
-- The tree does not replace the hash chain; it is what signed checkpoints (C2SP
-- tlog-checkpoint) commit to, so that evidence held outside the database can prove that the
-- log a reader is shown extends the one everyone else was shown.

CREATE TABLE shiplog_merkle (
    level smallint NOT NULL CHECK (level BETWEEN 4 AND 62),
    idx   bigint   NOT NULL CHECK (idx >= 0),
    hash  bytea    NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);

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

-- Stores the tiles (level-4 nodes) whose 16 events are all in the log, after the last stored
-- one, and every node above that they complete. Returns how many tiles it stored.
--
-- A tile's leaves are hashed in one set-based query inside this function, where PL/pgSQL keeps
-- its plan (a per-row function call, or a SQL function planned on every call, cost many times
-- as much). str(s) is u32 byte length || UTF-8 bytes: textsend gives the UTF-8 bytes in a UTF8
-- database, convert_to in any other.
DO $$
DECLARE
    v_bytes text := CASE WHEN current_setting('server_encoding') = 'UTF8' THEN 'textsend(%1$s)' ELSE 'convert_to(%1$s, ''UTF8'')' END;
    v_str   text;
    v_body  text;
BEGIN
    v_str := 'int4send(octet_length(' || v_bytes || ')) || ' || v_bytes;
    v_body := format($f$
DECLARE
    v_next   bigint;
    v_last   bigint;
    v_hashes bytea[];
    v_width  int;
    v_hash   bytea;
    v_level  int;
    v_idx    bigint;
BEGIN
    SELECT coalesce(max(idx) + 1, 0) INTO v_next FROM shiplog_merkle WHERE level = 4;
    SELECT coalesce(max(position), 0) / 16 - 1 INTO v_last FROM events;
    FOR t IN v_next .. v_last LOOP
        SELECT array_agg(l.leaf ORDER BY l.position) INTO v_hashes
          FROM (SELECT e.position,
                       sha256('\x00'::bytea || int8send(e.position) || uuid_send(e.id) || %s || int8send(e.stream_version)
                              || %s || %s || %s
                              || int8send((extract(epoch FROM e.recorded_at) * 1000000)::bigint) || %s) AS leaf
                  FROM events e WHERE e.position BETWEEN 16 * t + 1 AND 16 * t + 16) l;
        IF coalesce(array_length(v_hashes, 1), 0) <> 16 THEN
            RAISE EXCEPTION 'the Merkle tree cannot grow: positions %%%% to %%%% are not all in the log', 16 * t + 1, 16 * t + 16
                USING ERRCODE = 'SL003';
        END IF;
        v_width := 16;
        WHILE v_width > 1 LOOP
            FOR j IN 1 .. v_width / 2 LOOP
                v_hashes[j] := sha256('\x01'::bytea || v_hashes[2 * j - 1] || v_hashes[2 * j]);
            END LOOP;
            v_width := v_width / 2;
        END LOOP;
        v_hash := v_hashes[1]; v_level := 4; v_idx := t;
        INSERT INTO shiplog_merkle (level, idx, hash) VALUES (v_level, v_idx, v_hash);
        WHILE v_idx & 1 = 1 LOOP
            v_hash := sha256('\x01'::bytea
                             || (SELECT m.hash FROM shiplog_merkle m WHERE m.level = v_level AND m.idx = v_idx - 1)
                             || v_hash);
            v_level := v_level + 1; v_idx := v_idx >> 1;
            INSERT INTO shiplog_merkle (level, idx, hash) VALUES (v_level, v_idx, v_hash);
        END LOOP;
    END LOOP;
    %s
END
$f$,
        format(v_str, 'e.stream'), format(v_str, 'e.type'), format(v_str, 'e.payload::text'),
        format(v_str, 'e.metadata::text'), format(v_str, 'e.actor'), '%s');
    -- The same body twice: a function to call (the backfill, a catch-up), and the trigger's
    -- own, so an append pays for no second call.
    EXECUTE format('CREATE FUNCTION shiplog_merkle_extend() RETURNS bigint LANGUAGE plpgsql AS %L',
                   format(v_body, 'RETURN greatest(v_last - v_next + 1, 0);'));
    EXECUTE format('CREATE FUNCTION shiplog_merkle_grow() RETURNS trigger LANGUAGE plpgsql AS %L',
                   format(v_body, 'RETURN NULL;'));
END
$$;

-- The ledger's existing events first.
SELECT shiplog_merkle_extend();

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
    SELECT position INTO v_size FROM shiplog_head;
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
    EXECUTE format('ALTER FUNCTION shiplog_checkpoint_record(bigint, bytea, text) SET search_path = %s', v_path);
END
$$;
REVOKE EXECUTE ON FUNCTION shiplog_merkle_extend(), shiplog_checkpoint_record(bigint, bytea, text) FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON shiplog_merkle, shiplog_checkpoints FROM shiplog_app;
        GRANT SELECT ON shiplog_merkle, shiplog_checkpoints TO shiplog_app;
        GRANT EXECUTE ON FUNCTION shiplog_checkpoint_record(bigint, bytea, text) TO shiplog_app;
    END IF;
END
$$;
