-- Deploy targets: where each service runs in each environment and which alarms watch it.
-- `shiplog target list` and the rollback watcher find the newest TargetSet of each
-- env-<environment>-<service> stream through this index instead of scanning the log.
CREATE INDEX events_target_set ON events (stream, position DESC) WHERE type = 'TargetSet';
