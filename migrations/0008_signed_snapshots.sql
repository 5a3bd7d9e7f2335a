-- Signed snapshots: a command's judged state of a long stream, cached so the next command
-- reads only what came after it (issue 7: no command's cost grows with the log).
--
-- Nothing here is trusted for what it says: a row counts for a reader only when it is signed
-- by the reader's own key (the CLI user's, the server's), its event hash still matches the
-- event at that version, and its format is the reader's. Anyone with the application role may
-- write rows; a forged or stale row is ignored and the stream is read whole.
CREATE TABLE snapshots (
    stream      text        NOT NULL,
    signer      text        NOT NULL,   -- the key id that signed it
    version     bigint      NOT NULL CHECK (version > 0),
    position    bigint      NOT NULL CHECK (position > 0),
    event_hash  bytea       NOT NULL,   -- the hash of the stream's event at `version`
    format      text        NOT NULL,
    state       text        NOT NULL,   -- JSON
    signature   bytea       NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (stream, signer)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON snapshots FROM shiplog_app;
        GRANT SELECT, INSERT, UPDATE ON snapshots TO shiplog_app;
    END IF;
END
$$;
