-- Access-log entries are appended without the chain and sealed into it in batches by
-- one sealer at a time: the sealer finds the unsealed ones by this index.
CREATE INDEX access_events_unsealed ON access_events (id) WHERE seq IS NULL;
