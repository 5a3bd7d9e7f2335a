-- One wording of an event: ShiplogCore's `LedgerEvent.summary`, used by `show`, `audit` and
-- (later) the server's messages. The SQL twin that 0002 wrote (shiplog_event_summary, and the
-- summary column of actor_activity computed with it) goes, so the two can no longer drift.
-- `audit` reads the payload and words it in Swift.
DROP VIEW actor_activity;
DROP FUNCTION shiplog_event_summary(text, json);

-- What each person did, oldest first: `shiplog audit --actor` reads it through
-- events_person_position.
CREATE VIEW actor_activity AS
SELECT e.position,
       e.recorded_at,
       shiplog_event_person(e.type, e.actor, e.payload) AS actor,
       e.type,
       e.stream,
       e.payload
  FROM events e;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shiplog_app') THEN
        GRANT SELECT ON actor_activity TO shiplog_app;
    END IF;
END
$$;
