//! Proving the access log intact, exporting it, and retention.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{Auth, AuthError};
use spse_domain::audit::{Break, Verifier};
use spse_store::{ChainRow, EventFilter, EventRecord, SealBatch, SealRound, StoreError};

/// Rows read per query while walking the chain, and sealed per batch.
const BATCH: i64 = 1000;
/// Batches read per query while walking the chain.
const BATCHES: i64 = 20;
/// How long `audit verify`, export and retention wait for what was appended before
/// them to be sealed.
const SETTLE_WAIT: Duration = Duration::from_secs(10);
/// An unsealed entry older than this means sealing has stopped (no instance running,
/// or a transaction that never ends): `audit verify` says so.
pub const UNSEALED_BOUND_SECS: i64 = 300;

/// What `audit verify` found on an intact log.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub entries: u64,
    /// Position and hash of the newest entry: worth writing down outside the database,
    /// since a later verify against it also proves no entries were cut off the end.
    pub head_seq: i64,
    pub head_hash: String,
    /// The last entry removed by retention (0 when none was).
    pub anchor_seq: i64,
    /// Entries not yet sealed (the newest ones), and when the oldest was written.
    pub unsealed: u64,
    pub oldest_unsealed: Option<i64>,
    /// The oldest unsealed entry is older than [`UNSEALED_BOUND_SECS`].
    pub overdue: bool,
}

/// Whether an unsealed entry written at `oldest` is older than the bound at `now`.
pub fn overdue(oldest: Option<i64>, now: i64) -> bool {
    oldest.is_some_and(|at| now - at > UNSEALED_BOUND_SECS)
}

impl Auth {
    /// Seals what waits to be sealed, a batch per round, as far as it can now: the
    /// server's background sealer. Another instance sealing meanwhile is left to it.
    pub async fn seal_log(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        while let SealRound::Sealed(n) = self.store.seal_round(BATCH).await? {
            total += n;
        }
        Ok(total)
    }

    /// Seals at least everything appended before the call, waiting (up to
    /// [`SETTLE_WAIT`]) for transactions that may still commit entries among it and
    /// for another instance's sealer.
    pub async fn settle_log(&self) -> Result<(), StoreError> {
        let target = self.store.last_event_id().await?;
        let started = Instant::now();
        loop {
            match self.store.seal_round(BATCH).await? {
                SealRound::Sealed(_) => continue,
                SealRound::Idle => return Ok(()),
                SealRound::Waiting | SealRound::Busy => {
                    if self.store.chain_state().await?.sealed_id >= target
                        || started.elapsed() > SETTLE_WAIT
                    {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Seals what is waiting, then walks the whole chain from the retention anchor to
    /// the head, and past it: the entries sealed in their own rows (before batches),
    /// then every batch, each listed entry against its row.
    pub async fn verify_log(&self) -> Result<Result<VerifyReport, Break>, AuthError> {
        // A batch forged past the head blocks sealing (its number is taken): the walk
        // below then names it.
        if let Err(e) = self.settle_log().await {
            tracing::warn!(error = %e, "sealing before the check failed");
        }
        let start = self.store.chain_state().await?;
        let mut verifier = Verifier::new(start.anchor_seq, &start.anchor_hash);
        if let Err(broken) = self.verify_rows_sealed(&start, &mut verifier).await? {
            return Ok(Err(broken));
        }
        let mut rows = Rows::new(self);
        let mut after_batch = start.anchor_batch;
        let mut settled = false;
        loop {
            let batches = self.store.seal_batches(after_batch, BATCHES).await?;
            if let Some(last) = batches.last() {
                after_batch = last.batch;
                for batch in &batches {
                    if let Err(broken) = check_batch(batch, &mut rows, &mut verifier).await? {
                        return Ok(Err(broken));
                    }
                }
                settled = false;
                continue;
            }
            // No more batches. The head is read now, after them: batches sealed
            // meanwhile make it run ahead, so look once more before calling the end
            // cut off.
            let state = self.store.chain_state().await?;
            if verifier.last_seq() < state.head_seq && !settled {
                settled = true;
                continue;
            }
            let (unsealed, oldest_unsealed) = self.store.unsealed().await?;
            return Ok(verifier
                .finish(state.head_seq, &state.head_hash)
                .map(|entries| VerifyReport {
                    entries,
                    head_seq: state.head_seq,
                    head_hash: state.head_hash,
                    anchor_seq: state.anchor_seq,
                    unsealed,
                    oldest_unsealed,
                    overdue: overdue(oldest_unsealed, self.now()),
                }));
        }
    }

    /// The part of the chain sealed in the entries' own rows, before batches: it must
    /// end exactly where batches begin.
    async fn verify_rows_sealed(
        &self,
        start: &spse_store::ChainState,
        verifier: &mut Verifier,
    ) -> Result<Result<(), Break>, AuthError> {
        let everything = EventFilter::default();
        if start.anchor_seq > start.legacy_seq {
            // Retention removed all of that part: any row still in it was put there.
            let rows = self.store.chain_rows(&everything, i64::MIN, 1).await?;
            return Ok(match rows.first() {
                Some(row) => Err(Break::Unlisted { row_id: row.id }),
                None => Ok(()),
            });
        }
        let walked = self
            .walk_rows_sealed(&everything, start.anchor_seq, |rows| {
                rows.iter().try_for_each(|row| {
                    verifier.check(row.id, &row.event.chain_fields(row.seq), &row.hash)
                })
            })
            .await?;
        if let Err(broken) = walked {
            return Ok(Err(broken));
        }
        Ok(verifier
            .finish(start.legacy_seq, &start.legacy_hash)
            .map(|_| ()))
    }

    /// Pages through the entries sealed in their own rows (before batches) after
    /// position `after`, in chain order, until `each` names a break.
    async fn walk_rows_sealed(
        &self,
        filter: &EventFilter,
        mut after: i64,
        mut each: impl FnMut(Vec<ChainRow>) -> Result<(), Break>,
    ) -> Result<Result<(), Break>, AuthError> {
        loop {
            let rows = self.store.chain_rows(filter, after, BATCH).await?;
            let Some(last) = rows.last() else {
                return Ok(Ok(()));
            };
            after = last.seq;
            if let Err(broken) = each(rows) {
                return Ok(Err(broken));
            }
        }
    }

    /// Every sealed entry matching `filter`, in chain order, with its position and hash.
    pub async fn export_log(&self, filter: &EventFilter) -> Result<Vec<ChainRow>, AuthError> {
        self.settle_log().await?;
        let mut out = Vec::new();
        // Collecting never stops the walk.
        let _ = self
            .walk_rows_sealed(filter, i64::MIN, |rows| {
                out.extend(rows);
                Ok(())
            })
            .await?;
        let mut after_batch = self.store.chain_state().await?.anchor_batch;
        let mut after_id = i64::MIN;
        loop {
            let batches = self.store.seal_batches(after_batch, BATCHES).await?;
            let Some(last) = batches.last() else { break };
            after_batch = last.batch;
            for batch in &batches {
                let rows = self
                    .store
                    .batch_rows(filter, after_id, batch.last_id, batch.entries.len() as i64)
                    .await?;
                after_id = batch.last_id;
                let mut listed = batch.entries.iter().zip(batch.first_seq..).peekable();
                for (id, event) in rows {
                    while listed.next_if(|(entry, _)| entry.id < id).is_some() {}
                    if let Some((entry, seq)) = listed.next_if(|(entry, _)| entry.id == id) {
                        out.push(ChainRow {
                            id,
                            seq,
                            hash: entry.hash.clone(),
                            event,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Deletes entries older than the retention period; what remains still verifies.
    pub async fn prune_log(&self) -> Result<u64, AuthError> {
        // Retention removes a prefix of the chain: what waits to join it joins first.
        self.settle_log().await?;
        let cutoff = self.now() - self.policy.retention_secs;
        Ok(self.store.prune_events(cutoff).await?)
    }
}

/// Each entry a batch lists against the rows in its range, in id order: an entry
/// without its row was deleted, a row no batch lists was added.
async fn check_batch(
    batch: &SealBatch,
    rows: &mut Rows<'_>,
    verifier: &mut Verifier,
) -> Result<Result<(), Break>, AuthError> {
    let expected = verifier.last_seq() + 1;
    if batch.first_seq != expected {
        return Ok(Err(Break::Missing {
            seq: expected,
            found: batch.first_seq,
        }));
    }
    for (entry, seq) in batch.entries.iter().zip(batch.first_seq..) {
        match rows.peek(batch.last_id).await? {
            Some((id, _)) if *id < entry.id => return Ok(Err(Break::Unlisted { row_id: *id })),
            Some((id, event)) if *id == entry.id => {
                if let Err(broken) = verifier.check(*id, &event.chain_fields(seq), &entry.hash) {
                    return Ok(Err(broken));
                }
                rows.pop();
            }
            _ => {
                return Ok(Err(Break::Removed {
                    seq,
                    row_id: entry.id,
                }));
            }
        }
    }
    Ok(match rows.peek(batch.last_id).await? {
        Some((id, _)) => Err(Break::Unlisted { row_id: *id }),
        None => Ok(()),
    })
}

/// The rows batches cover, read a page at a time in id order.
struct Rows<'a> {
    auth: &'a Auth,
    after: i64,
    page: VecDeque<(i64, EventRecord)>,
}

impl<'a> Rows<'a> {
    fn new(auth: &'a Auth) -> Self {
        Self {
            auth,
            after: i64::MIN,
            page: VecDeque::new(),
        }
    }

    /// The next row with an id up to `upto`, left in place.
    async fn peek(&mut self, upto: i64) -> Result<Option<&(i64, EventRecord)>, StoreError> {
        if self.page.is_empty() {
            let rows = self
                .auth
                .store
                .batch_rows(&EventFilter::default(), self.after, upto, BATCH)
                .await?;
            if let Some((last, _)) = rows.last() {
                self.after = *last;
            }
            self.page.extend(rows);
        }
        Ok(self.page.front().filter(|(id, _)| *id <= upto))
    }

    fn pop(&mut self) {
        self.page.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsealed_entry_is_overdue_only_past_the_bound() {
        let now = 1_800_000_000;
        assert!(!overdue(None, now));
        assert!(!overdue(Some(now - UNSEALED_BOUND_SECS), now));
        assert!(overdue(Some(now - UNSEALED_BOUND_SECS - 1), now));
    }
}
