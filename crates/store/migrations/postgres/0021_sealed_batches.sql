-- Sealing no longer rewrites the entries it seals (issue 15): that rewrite cost as much
-- as the append itself. Each sealed batch is one row here, listing its entries' row ids
-- and hashes in chain order ("id hash" per line); the entries keep `seq` NULL. Entries
-- sealed before this migration keep their `seq` and `hash` in their rows: that older
-- part of the chain ends at `legacy_seq`, and the batches go on from there.
CREATE TABLE audit_seals (
    batch BIGINT PRIMARY KEY,
    -- Position in the chain of the batch's first entry.
    first_seq BIGINT NOT NULL,
    -- The batch covers the entries with ids after the previous batch's `last_id` up to this.
    last_id BIGINT NOT NULL,
    entries TEXT NOT NULL
);

ALTER TABLE audit_chain ADD COLUMN legacy_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_chain ADD COLUMN legacy_hash TEXT NOT NULL DEFAULT '';
-- Every entry with an id up to this is sealed (in a batch, or in its row before).
ALTER TABLE audit_chain ADD COLUMN sealed_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_chain ADD COLUMN head_batch BIGINT NOT NULL DEFAULT 0;
-- The last batch removed by retention.
ALTER TABLE audit_chain ADD COLUMN anchor_batch BIGINT NOT NULL DEFAULT 0;
-- PostgreSQL: the next batch's end, noted while these transactions (virtual ids, comma
-- separated) might still commit entries below it, and sealed once they have ended.
ALTER TABLE audit_chain ADD COLUMN cut_id BIGINT;
ALTER TABLE audit_chain ADD COLUMN cut_writers TEXT;

UPDATE audit_chain SET
    legacy_seq = head_seq,
    legacy_hash = head_hash,
    sealed_id = COALESCE(
        (SELECT MIN(id) - 1 FROM access_events WHERE seq IS NULL),
        (SELECT MAX(id) FROM access_events),
        0
    );

-- New entries carry no position in their row: no index entry for them either.
DROP INDEX access_events_unsealed;
DROP INDEX access_events_seq;
CREATE UNIQUE INDEX access_events_seq ON access_events (seq) WHERE seq IS NOT NULL;
