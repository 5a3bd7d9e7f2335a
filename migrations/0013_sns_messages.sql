-- SNS messages already acted on, by MessageId: SNS redelivers with the same id, and one alarm
-- may reach several server replicas. A message whose handling failed is removed again, so its
-- redelivery is acted on. The server's business (migration 0011): a CLI user may only read it.
CREATE TABLE sns_messages (
    message_id   text        PRIMARY KEY,
    topic_arn    text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX sns_messages_received_at ON sns_messages (received_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON sns_messages FROM shiplog_app;
        GRANT SELECT ON sns_messages TO shiplog_app;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_server') THEN
        GRANT SELECT, INSERT, DELETE ON sns_messages TO shiplog_server;
    END IF;
END
$$;
