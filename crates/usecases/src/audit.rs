//! Proving the access log intact, exporting it, and retention.

use super::{Auth, AuthError};
use spse_domain::audit::{Break, Verifier};
use spse_store::{ChainRow, EventFilter, StoreError};

/// Rows read per query while walking the chain, and sealed per transaction.
const BATCH: i64 = 1000;

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
    /// Entries appended while the walk ran, not yet sealed (they are at the end).
    pub unsealed: u64,
}

impl Auth {
    /// Seals every entry waiting for its place in the chain, a batch per transaction.
    /// Another instance sealing at the same time is left to it (PostgreSQL).
    pub async fn seal_log(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let sealed = self.store.seal_unchained(BATCH).await?;
            total += sealed;
            if sealed < BATCH as u64 {
                return Ok(total);
            }
        }
    }

    /// Seals what is waiting, then walks the whole chain from the retention anchor to
    /// the head, and past it: a row beyond the head was not written through the chain.
    pub async fn verify_log(&self) -> Result<Result<VerifyReport, Break>, AuthError> {
        // A row forged past the head blocks sealing (its place is taken): the walk
        // below then names it.
        if let Err(e) = self.seal_log().await {
            tracing::warn!(error = %e, "sealing before the check failed");
        }
        let start = self.store.chain_state().await?;
        let everything = EventFilter::default();
        let mut verifier = Verifier::new(start.anchor_seq, &start.anchor_hash);
        let mut after = start.anchor_seq;
        let mut settled = false;
        loop {
            let rows = self.store.chain_rows(&everything, after, BATCH).await?;
            if let Some(last) = rows.last() {
                after = last.seq;
                for row in &rows {
                    let fields = row.event.chain_fields(row.seq);
                    if let Err(broken) = verifier.check(row.id, &fields, &row.hash) {
                        return Ok(Err(broken));
                    }
                }
                settled = false;
                continue;
            }
            // No more rows. The head is read now, after them: entries appended meanwhile
            // make it run ahead, so look once more before calling the end cut off.
            let state = self.store.chain_state().await?;
            if verifier.last_seq() < state.head_seq && !settled {
                settled = true;
                continue;
            }
            let (unsealed, _) = self.store.unsealed().await?;
            return Ok(verifier
                .finish(state.head_seq, &state.head_hash)
                .map(|entries| VerifyReport {
                    entries,
                    head_seq: state.head_seq,
                    head_hash: state.head_hash,
                    anchor_seq: state.anchor_seq,
                    unsealed,
                }));
        }
    }

    /// Every entry matching `filter`, in chain order, with its position and hash.
    pub async fn export_log(&self, filter: &EventFilter) -> Result<Vec<ChainRow>, AuthError> {
        self.seal_log().await?;
        let mut out = Vec::new();
        let mut after = i64::MIN;
        loop {
            let rows = self.store.chain_rows(filter, after, BATCH).await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Deletes entries older than the retention period; what remains still verifies.
    pub async fn prune_log(&self) -> Result<u64, AuthError> {
        // Retention removes a prefix of the chain: what waits to join it joins first.
        self.seal_log().await?;
        let cutoff = self.now() - self.policy.retention_secs;
        Ok(self.store.prune_events(cutoff).await?)
    }
}
