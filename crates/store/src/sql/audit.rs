//! The chain behind the access log: its ends, reading it in order, retention.

use async_trait::async_trait;
use sqlx::Row;

use super::SqlStore;
use super::events::{EVENT_COLUMNS, FILTER_SQL, bind_filter, event_from_row};
use crate::*;
use spse_domain::audit::link;

/// Takes the chain's write lock for the rest of the transaction: sealing and retention.
const LOCK_CHAIN: &str = "UPDATE audit_chain SET head_seq = head_seq WHERE id = 1";
/// Entries placed in the chain by one UPDATE (three parameters each).
const PLACES_PER_STATEMENT: usize = 500;
/// The advisory lock one sealer holds on PostgreSQL while it seals a batch.
const SEALER_LOCK: i64 = 0x0053_5053_456c_6f67; // "SPSElog"

#[async_trait]
impl AuditStore for SqlStore {
    async fn chain_state(&self) -> Result<ChainState, StoreError> {
        let row = sqlx::query(
            "SELECT head_seq, head_hash, anchor_seq, anchor_hash FROM audit_chain WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(ChainState {
            head_seq: row.try_get("head_seq")?,
            head_hash: row.try_get("head_hash")?,
            anchor_seq: row.try_get("anchor_seq")?,
            anchor_hash: row.try_get("anchor_hash")?,
        })
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
        let rows = bind_filter(sqlx::query(&sql), filter)
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

    async fn prune_events(&self, cutoff: i64) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(LOCK_CHAIN).execute(&mut *tx).await?;
        let chain = sqlx::query("SELECT head_seq, anchor_seq FROM audit_chain WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let head_seq: i64 = chain.try_get("head_seq")?;
        let anchor_seq: i64 = chain.try_get("anchor_seq")?;
        // Only a prefix of the chain goes, so what remains still starts from one anchor.
        let first_kept: Option<i64> =
            sqlx::query_scalar("SELECT MIN(seq) FROM access_events WHERE at >= $1")
                .bind(cutoff)
                .fetch_one(&mut *tx)
                .await?;
        let last_removed = first_kept.map_or(head_seq, |seq| seq - 1);
        if last_removed <= anchor_seq {
            return Ok(0);
        }
        let anchor_hash: Option<String> =
            sqlx::query_scalar("SELECT hash FROM access_events WHERE seq = $1")
                .bind(last_removed)
                .fetch_optional(&mut *tx)
                .await?;
        let anchor_hash = anchor_hash.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "access log entry {last_removed} is missing; run `spse-auth audit verify`"
            ))
        })?;
        let removed = sqlx::query("DELETE FROM access_events WHERE seq <= $1")
            .bind(last_removed)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1")
            .bind(last_removed)
            .bind(&anchor_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(removed)
    }

    async fn seal_unchained(&self, limit: i64) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await?;
        if self.postgres {
            let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                .bind(SEALER_LOCK)
                .fetch_one(&mut *tx)
                .await?;
            if !ours {
                return Ok(0);
            }
        }
        sqlx::query(LOCK_CHAIN).execute(&mut *tx).await?;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM access_events e WHERE e.seq IS NULL ORDER BY e.id LIMIT $1"
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&mut *tx).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let head = sqlx::query("SELECT head_seq, head_hash FROM audit_chain WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let mut seq: i64 = head.try_get("head_seq")?;
        let mut hash: String = head.try_get("head_hash")?;
        let mut places = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            seq += 1;
            hash = link(&hash, &event_from_row(row)?.chain_fields(seq));
            places.push((id, seq, hash.clone()));
        }
        // One statement per chunk rather than one per entry: the sealer must outpace
        // every instance's appends together. (`columnN` names a VALUES column in both
        // SQLite and PostgreSQL.)
        for chunk in places.chunks(PLACES_PER_STATEMENT) {
            let values = (0..chunk.len())
                .map(|i| {
                    let n = i * 3;
                    format!(
                        "(CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS TEXT))",
                        n + 1,
                        n + 2,
                        n + 3
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE access_events SET seq = v.column2, hash = v.column3 \
                 FROM (VALUES {values}) AS v WHERE access_events.id = v.column1"
            );
            let mut query = sqlx::query(&sql);
            for (id, seq, hash) in chunk {
                query = query.bind(*id).bind(*seq).bind(hash.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE audit_chain SET head_seq = $1, head_hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    async fn unsealed(&self) -> Result<(u64, Option<i64>), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM access_events WHERE seq IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = row.try_get("n")?;
        Ok((n as u64, row.try_get("oldest")?))
    }
}
