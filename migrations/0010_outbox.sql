-- The transactional outbox: every event that someone in Slack should hear about leaves a row
-- here in the same transaction that appends it, whichever door appended it (the CLI, Slack,
-- the API), because the trigger fires inside shiplog_append. A worker (`OutboxWorker`, in
-- `shiplog serve`) delivers the rows: it renders the message from the ledger as judged (a row
-- whose event does not count is skipped, never posted), retries with backoff, honours
-- Retry-After, and records permanent failures instead of retrying them forever.
CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    position        bigint      NOT NULL,           -- the event that caused it
    event_type      text        NOT NULL,
    subject         text        NOT NULL,           -- the deploy id, or env[/service] for locks
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts        int         NOT NULL DEFAULT 0,
    -- How often a worker took it: above 1, an earlier worker may have posted it and died
    -- before recording so, and the next one looks for it in Slack before posting again.
    claims          int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    claimed_until   timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_at    timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';

-- The message each deploy has in Slack, to update in place.
CREATE TABLE slack_messages (
    subject    text        PRIMARY KEY,
    channel    text        NOT NULL,
    ts         text        NOT NULL,
    posted_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION shiplog_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (position, event_type, subject)
    VALUES (NEW.position, NEW.type,
            -- A row whose payload names nothing (junk) still enqueues: the worker skips what does not count.
            COALESCE(CASE WHEN NEW.type IN ('EnvironmentLocked', 'EnvironmentUnlocked')
                          THEN (NEW.payload::jsonb ->> 'environment') || COALESCE('/' || (NEW.payload::jsonb ->> 'service'), '')
                          ELSE NEW.payload::jsonb ->> 'deployID' END, ''));
    RETURN NULL;
END
$$;

CREATE TRIGGER events_outbox AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.type IN ('DeployRequested', 'DeployApproved', 'DeployRejected', 'DeployCancelled', 'DeployStarted',
                       'DeploySucceeded', 'DeployFailed', 'RollbackStarted', 'RollbackSucceeded', 'RollbackFailed',
                       'EnvironmentLocked', 'EnvironmentUnlocked'))
    EXECUTE FUNCTION shiplog_outbox_enqueue();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        REVOKE ALL ON outbox, slack_messages FROM shiplog_app;
        GRANT SELECT, UPDATE ON outbox TO shiplog_app;
        GRANT SELECT, INSERT, UPDATE ON slack_messages TO shiplog_app;
    END IF;
END
$$;
