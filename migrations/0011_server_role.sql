-- The server's own role. The replay guard, the outbox and the Slack messages are the server's
-- business: a CLI user (shiplog_app alone) may read them, but not clear the replay guard, mark
-- a message delivered that was never sent, or point a deploy's message at another one. The
-- server logs in with a role holding shiplog_app and shiplog_server:
--     GRANT shiplog_app, shiplog_server TO shiplog_server_login;
DO $$
BEGIN
    CREATE ROLE shiplog_server NOLOGIN;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'shiplog_server role not created (no CREATEROLE privilege); grant the server''s role what migration 0011 grants by hand';
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON slack_requests, outbox, slack_messages FROM shiplog_app;
        GRANT SELECT ON slack_requests, outbox, slack_messages TO shiplog_app;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_server') THEN
        GRANT SELECT, INSERT, DELETE ON slack_requests TO shiplog_server;
        GRANT SELECT, UPDATE ON outbox TO shiplog_server;
        GRANT SELECT, INSERT, UPDATE ON slack_messages TO shiplog_server;
    END IF;
END
$$;
