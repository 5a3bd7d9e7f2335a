-- Which re-appliable projection files (projections/*.sql) are applied, with their checksums:
-- `shiplog migrate` applies a file again when its text changed. shiplog_app reads it, to tell
-- whether the schema is current.
CREATE TABLE shiplog_projection_code (
    name       text        PRIMARY KEY,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        GRANT SELECT ON shiplog_projection_code TO shiplog_app;
    END IF;
END
$$;
