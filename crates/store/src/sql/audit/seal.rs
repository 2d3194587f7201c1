//! Sealing: entries appended without the chain are given their places in it, a batch
//! per round, by one sealer at a time. A batch is one row listing its entries' ids and
//! hashes; the entries themselves are not rewritten, so sealing costs the appends
//! little beside them.
//!
//! A batch covers every entry up to an id, so it may only end where no running
//! transaction can still commit an entry below that id. On SQLite this process writes
//! through one connection, and the round holds SQLite's one write lock: everything
//! visible is final. On PostgreSQL a transaction that inserts an entry holds a
//! row-exclusive lock on the table from before it draws the entry's id until it ends. A
//! round reads the newest visible id and then the transactions holding that lock: when
//! there are none, it seals up to that id at once; otherwise it notes the id and those
//! transactions (the cut), and a later round seals up to it once they have all ended.

use super::super::events::{EVENT_COLUMNS, event_from_row};
use super::super::{SqlStore, db};
use super::{LAST_EVENT_ID, LOCK_CHAIN, encode_entries};
use crate::*;
use spse_domain::audit::link;

/// The advisory lock one sealer holds on PostgreSQL while it seals a batch.
pub(crate) const SEALER_LOCK: i64 = 0x0053_5053_456c_6f67; // "SPSElog"

/// Where the next batch may end: every entry up to this id is final.
enum Cut {
    At(i64),
    /// Not yet: transactions may still commit entries below the noted cut.
    Waiting,
    /// As `Waiting`, having just noted the cut: the round commits it.
    Noted,
    Idle,
}

pub(super) async fn round(store: &SqlStore, limit: i64) -> Result<SealRound, StoreError> {
    let mut tx = store.writer.begin().await?;
    if store.postgres {
        let ours: bool = db::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(SEALER_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !ours {
            return Ok(SealRound::Busy);
        }
    }
    db::query(LOCK_CHAIN).execute(&mut *tx).await?;
    let state = db::query(
        "SELECT sealed_id, head_seq, head_hash, head_batch, cut_id, cut_writers \
         FROM audit_chain WHERE id = 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    let sealed_id: i64 = state.try_get("sealed_id")?;
    let cut = if store.postgres {
        postgres_cut(&mut tx, &state, sealed_id).await?
    } else {
        let last: i64 = db::query_scalar(LAST_EVENT_ID).fetch_one(&mut *tx).await?;
        if last > sealed_id {
            Cut::At(last)
        } else {
            Cut::Idle
        }
    };
    let upto = match cut {
        Cut::At(upto) => upto,
        Cut::Waiting => return Ok(SealRound::Waiting),
        Cut::Noted => {
            tx.commit().await?;
            return Ok(SealRound::Waiting);
        }
        Cut::Idle => return Ok(SealRound::Idle),
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM access_events e \
         WHERE e.seq IS NULL AND e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3"
    );
    let rows = db::query(&sql)
        .bind(sealed_id)
        .bind(upto)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
    if rows.is_empty() {
        // Only ids that rolled-back transactions drew: nothing to list.
        db::query("UPDATE audit_chain SET sealed_id = $1 WHERE id = 1")
            .bind(upto)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(SealRound::Idle);
    }
    let head_seq: i64 = state.try_get("head_seq")?;
    let mut hash: String = state.try_get("head_hash")?;
    let batch: i64 = state.try_get::<i64, _>("head_batch")? + 1;
    let mut entries = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        hash = link(
            &hash,
            &event_from_row(row)?.chain_fields(head_seq + 1 + i as i64),
        );
        entries.push(SealedEntry {
            id: row.try_get("id")?,
            hash: hash.clone(),
        });
    }
    let full = rows.len() as i64 == limit;
    let last_id = match entries.last() {
        Some(last) if full => last.id,
        _ => upto,
    };
    db::query(
        "INSERT INTO audit_seals (batch, first_seq, last_id, entries) VALUES ($1, $2, $3, $4)",
    )
    .bind(batch)
    .bind(head_seq + 1)
    .bind(last_id)
    .bind(encode_entries(&entries))
    .execute(&mut *tx)
    .await?;
    db::query(
        "UPDATE audit_chain SET head_seq = $1, head_hash = $2, head_batch = $3, sealed_id = $4 \
         WHERE id = 1",
    )
    .bind(head_seq + entries.len() as i64)
    .bind(&hash)
    .bind(batch)
    .bind(last_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SealRound::Sealed(entries.len() as u64))
}

/// Transactions other than this one that may be inserting entries: they hold a
/// row-exclusive lock on the table (`RowExclusiveLock`, also taken by updates and
/// deletes, which only makes a round wait a little longer), identified by their virtual
/// transaction ids.
const WRITERS: &str = "SELECT COALESCE(string_agg(l.virtualtransaction, ','), '') \
     FROM pg_locks l WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock' \
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
     AND l.relation = CAST('access_events' AS regclass) AND l.pid <> pg_backend_pid()";

async fn postgres_cut(tx: &mut db::Tx, state: &db::Row, sealed_id: i64) -> Result<Cut, StoreError> {
    let cut_id: Option<i64> = state.try_get("cut_id")?;
    if let Some(cut) = cut_id.filter(|&cut| cut > sealed_id) {
        let noted: Option<String> = state.try_get("cut_writers")?;
        let running: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'virtualxid' \
             AND virtualxid = ANY(string_to_array($1, ','))",
        )
        .bind(noted.unwrap_or_default())
        .fetch_one(&mut **tx)
        .await?;
        return Ok(if running == 0 {
            Cut::At(cut)
        } else {
            Cut::Waiting
        });
    }
    // The newest id first, then who holds the lock: a transaction that drew an id up to
    // it and has not committed held the lock before drawing it, and still does.
    let last: i64 = db::query_scalar(LAST_EVENT_ID).fetch_one(&mut **tx).await?;
    if last <= sealed_id {
        return Ok(Cut::Idle);
    }
    let writers: String = db::query_scalar(WRITERS).fetch_one(&mut **tx).await?;
    if writers.is_empty() {
        return Ok(Cut::At(last));
    }
    db::query("UPDATE audit_chain SET cut_id = $1, cut_writers = $2 WHERE id = 1")
        .bind(last)
        .bind(&writers)
        .execute(&mut **tx)
        .await?;
    Ok(Cut::Noted)
}
