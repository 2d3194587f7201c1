//! The chain behind the access log: its ends, reading it in order, retention.

use async_trait::async_trait;

use super::events::{EVENT_COLUMNS, FILTER_SQL, bind_filter, event_from_row};
use super::{SqlStore, db};
use crate::*;

mod prune;
mod seal;

/// Takes the chain's write lock for the rest of the transaction: sealing and retention.
const LOCK_CHAIN: &str = "UPDATE audit_chain SET head_seq = head_seq WHERE id = 1";

/// The chain's state, read by `chain_state` and by retention inside its transaction.
const SELECT_STATE: &str = "SELECT head_seq, head_hash, anchor_seq, anchor_hash, legacy_seq, \
     legacy_hash, sealed_id, head_batch, anchor_batch FROM audit_chain WHERE id = 1";

/// The newest entry's row id, 0 for an empty log.
const LAST_EVENT_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM access_events";

fn state_from_row(row: &db::Row) -> Result<ChainState, StoreError> {
    Ok(ChainState {
        head_seq: row.try_get("head_seq")?,
        head_hash: row.try_get("head_hash")?,
        anchor_seq: row.try_get("anchor_seq")?,
        anchor_hash: row.try_get("anchor_hash")?,
        legacy_seq: row.try_get("legacy_seq")?,
        legacy_hash: row.try_get("legacy_hash")?,
        sealed_id: row.try_get("sealed_id")?,
        head_batch: row.try_get("head_batch")?,
        anchor_batch: row.try_get("anchor_batch")?,
    })
}

/// A batch's entries as stored: one `id hash` line each, in chain order.
fn encode_entries(entries: &[SealedEntry]) -> String {
    entries
        .iter()
        .map(|e| format!("{} {}\n", e.id, e.hash))
        .collect()
}

fn decode_entries(batch: i64, text: &str) -> Result<Vec<SealedEntry>, StoreError> {
    text.lines()
        .map(|line| {
            let (id, hash) = line.split_once(' ').unwrap_or((line, ""));
            let id = id.parse().map_err(|_| {
                StoreError::Corrupt(format!(
                    "sealed batch {batch} holds an unreadable line {line:?}; run `spse-auth audit verify`"
                ))
            })?;
            Ok(SealedEntry {
                id,
                hash: hash.to_string(),
            })
        })
        .collect()
}

fn batch_from_row(row: &db::Row) -> Result<SealBatch, StoreError> {
    let batch = row.try_get("batch")?;
    Ok(SealBatch {
        batch,
        first_seq: row.try_get("first_seq")?,
        last_id: row.try_get("last_id")?,
        entries: decode_entries(batch, &row.try_get::<String, _>("entries")?)?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn chain_state(&self) -> Result<ChainState, StoreError> {
        state_from_row(&db::query(SELECT_STATE).fetch_one(&self.pool).await?)
    }

    async fn chain_rows(
        &self,
        filter: &EventFilter,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<ChainRow>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM access_events e \
             WHERE {FILTER_SQL} AND e.seq > $6 ORDER BY e.seq LIMIT $7"
        );
        let rows = bind_filter(db::query(&sql), filter)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ChainRow {
                    id: row.try_get("id")?,
                    seq: row.try_get("seq")?,
                    hash: row.try_get("hash")?,
                    event: event_from_row(row)?,
                })
            })
            .collect()
    }

    async fn seal_batches(
        &self,
        after_batch: i64,
        limit: i64,
    ) -> Result<Vec<SealBatch>, StoreError> {
        let rows = db::query(
            "SELECT batch, first_seq, last_id, entries FROM audit_seals \
             WHERE batch > $1 ORDER BY batch LIMIT $2",
        )
        .bind(after_batch)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(batch_from_row).collect()
    }

    async fn batch_rows(
        &self,
        filter: &EventFilter,
        after_id: i64,
        upto_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, EventRecord)>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM access_events e WHERE {FILTER_SQL} \
             AND e.seq IS NULL AND e.id > $6 AND e.id <= $7 ORDER BY e.id LIMIT $8"
        );
        let rows = bind_filter(db::query(&sql), filter)
            .bind(after_id)
            .bind(upto_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, event_from_row(row)?)))
            .collect()
    }

    async fn last_event_id(&self) -> Result<i64, StoreError> {
        Ok(db::query_scalar(LAST_EVENT_ID)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn prune_events(&self, cutoff: i64) -> Result<u64, StoreError> {
        prune::prune(self, cutoff).await
    }

    async fn seal_round(&self, limit: i64) -> Result<SealRound, StoreError> {
        seal::round(self, limit).await
    }

    async fn unsealed(&self) -> Result<(u64, Option<i64>), StoreError> {
        let row = db::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM access_events WHERE seq IS NULL \
             AND id > (SELECT sealed_id FROM audit_chain WHERE id = 1)",
        )
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = row.try_get("n")?;
        Ok((n as u64, row.try_get("oldest")?))
    }
}
