-- Slack requests already acted on, by signature: a signed request sent twice (a replay inside
-- Slack's 300 s window, or a retry) is refused the second time, across restarts and across
-- several server replicas. Rows older than the window are pruned; a replay of one of those
-- would be refused as stale anyway.
CREATE TABLE slack_requests (
    signature          text        PRIMARY KEY,
    request_timestamp  bigint      NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX slack_requests_timestamp ON slack_requests (request_timestamp);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON slack_requests FROM shiplog_app;
        GRANT SELECT, INSERT, DELETE ON slack_requests TO shiplog_app;
    END IF;
END
$$;
