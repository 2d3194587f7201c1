//! Retention: the oldest entries go, a prefix of the chain, so what remains still
//! verifies from one anchor (the position and hash of the last entry removed). Entries
//! sealed in their own rows come first in the chain, then the batches; a batch the
//! cutoff falls inside keeps the rest of its list.

use super::super::{SqlStore, db};
use super::{LOCK_CHAIN, SELECT_STATE, batch_from_row, encode_entries, state_from_row};
use crate::*;

/// Where retention stops, and the anchor the rest verifies from.
struct Anchor {
    seq: i64,
    hash: String,
    batch: i64,
}

pub(super) async fn prune(store: &SqlStore, cutoff: i64) -> Result<u64, StoreError> {
    let mut tx = store.writer.begin().await?;
    db::query(LOCK_CHAIN).execute(&mut *tx).await?;
    let state = state_from_row(&db::query(SELECT_STATE).fetch_one(&mut *tx).await?)?;

    // Entries sealed in their own rows, before batches.
    let first_kept: Option<i64> =
        db::query_scalar("SELECT MIN(seq) FROM access_events WHERE seq IS NOT NULL AND at >= $1")
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
    if let Some(first_kept) = first_kept {
        let last_removed = first_kept - 1;
        if last_removed <= state.anchor_seq {
            return Ok(0);
        }
        let hash: Option<String> =
            db::query_scalar("SELECT hash FROM access_events WHERE seq = $1")
                .bind(last_removed)
                .fetch_optional(&mut *tx)
                .await?;
        let hash = hash.ok_or_else(|| missing(last_removed))?;
        let removed = db::query("DELETE FROM access_events WHERE seq <= $1")
            .bind(last_removed)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let anchor = Anchor {
            seq: last_removed,
            hash,
            batch: state.anchor_batch,
        };
        set_anchor(&mut tx, &anchor).await?;
        tx.commit().await?;
        return Ok(removed);
    }
    let mut removed = db::query("DELETE FROM access_events WHERE seq IS NOT NULL")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let mut anchor = Anchor {
        seq: state.anchor_seq,
        hash: state.anchor_hash.clone(),
        batch: state.anchor_batch,
    };
    if state.anchor_seq < state.legacy_seq {
        anchor.seq = state.legacy_seq;
        anchor.hash = state.legacy_hash.clone();
    }

    // Then the batches: whole ones before the first entry kept, and the start of the
    // one it is in.
    let first_kept: Option<i64> = db::query_scalar(
        "SELECT MIN(id) FROM access_events WHERE seq IS NULL AND id <= $1 AND at >= $2",
    )
    .bind(state.sealed_id)
    .bind(cutoff)
    .fetch_one(&mut *tx)
    .await?;
    let upto = first_kept.map_or(state.sealed_id, |id| id - 1);
    let whole = db::query(
        "SELECT batch, first_seq, last_id, entries FROM audit_seals \
         WHERE batch > $1 AND last_id <= $2 ORDER BY batch DESC LIMIT 1",
    )
    .bind(state.anchor_batch)
    .bind(upto)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = whole {
        let batch = batch_from_row(&row)?;
        let last = batch.entries.last().ok_or_else(|| empty(batch.batch))?;
        anchor = Anchor {
            seq: batch.first_seq + batch.entries.len() as i64 - 1,
            hash: last.hash.clone(),
            batch: batch.batch,
        };
        db::query("DELETE FROM audit_seals WHERE batch <= $1")
            .bind(batch.batch)
            .execute(&mut *tx)
            .await?;
    }
    let split = db::query(
        "SELECT batch, first_seq, last_id, entries FROM audit_seals \
         WHERE last_id > $1 ORDER BY batch LIMIT 1",
    )
    .bind(upto)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = split {
        let batch = batch_from_row(&row)?;
        let gone = batch.entries.iter().take_while(|e| e.id <= upto).count();
        if gone > 0 {
            let last = &batch.entries[gone - 1];
            anchor = Anchor {
                seq: batch.first_seq + gone as i64 - 1,
                hash: last.hash.clone(),
                batch: anchor.batch,
            };
            db::query("UPDATE audit_seals SET first_seq = $1, entries = $2 WHERE batch = $3")
                .bind(batch.first_seq + gone as i64)
                .bind(encode_entries(&batch.entries[gone..]))
                .bind(batch.batch)
                .execute(&mut *tx)
                .await?;
        }
    }
    removed += db::query("DELETE FROM access_events WHERE seq IS NULL AND id <= $1")
        .bind(upto)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Ok(0);
    }
    set_anchor(&mut tx, &anchor).await?;
    tx.commit().await?;
    Ok(removed)
}

async fn set_anchor(tx: &mut db::Tx, anchor: &Anchor) -> Result<(), StoreError> {
    db::query(
        "UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2, anchor_batch = $3 WHERE id = 1",
    )
    .bind(anchor.seq)
    .bind(&anchor.hash)
    .bind(anchor.batch)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn missing(seq: i64) -> StoreError {
    StoreError::Corrupt(format!(
        "access log entry {seq} is missing; run `spse-auth audit verify`"
    ))
}

fn empty(batch: i64) -> StoreError {
    StoreError::Corrupt(format!(
        "sealed batch {batch} lists no entries; run `spse-auth audit verify`"
    ))
}
