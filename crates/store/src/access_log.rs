//! The store's traits for the access log: appending entries, reading them for the
//! pages, and the hash chain behind `audit verify`, retention and the sealer.

use async_trait::async_trait;

use crate::{
    ChainRow, ChainState, EventFilter, EventRecord, LoggedEvent, SealBatch, SealRound, StoreError,
};

/// The access log.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends an entry, not yet sealed: writers never wait for each other's commits.
    /// [`AuditStore::seal_round`] gives it its place in the hash chain.
    async fn insert_event(&self, event: &EventRecord) -> Result<(), StoreError>;

    async fn events_for_user(&self, pk: i64, limit: i64) -> Result<Vec<EventRecord>, StoreError>;

    /// One page of the user's own entries, newest first.
    async fn user_events(
        &self,
        pk: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, StoreError>;

    /// The kind of entry `event_id` if it is the user's.
    async fn own_event_kind(
        &self,
        event_id: i64,
        user_pk: i64,
    ) -> Result<Option<String>, StoreError>;

    /// Flags the entry for the helpdesk if it is the user's; `false` when it is not theirs.
    /// Flagging twice is not an error.
    async fn flag_event(&self, event_id: i64, user_pk: i64, now: i64) -> Result<bool, StoreError>;

    /// Entries matching `filter` for the helpdesk: flagged ones first, then newest first.
    async fn search_events(
        &self,
        filter: &EventFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, StoreError>;
}

/// The chain behind the access log: verification, export, retention, sealing.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn chain_state(&self) -> Result<ChainState, StoreError>;

    /// Entries sealed in their own rows (before batches) after position `after_seq`,
    /// in chain order, at most `limit`.
    async fn chain_rows(
        &self,
        filter: &EventFilter,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<ChainRow>, StoreError>;

    /// Sealed batches after `after_batch`, in order, at most `limit`.
    async fn seal_batches(
        &self,
        after_batch: i64,
        limit: i64,
    ) -> Result<Vec<SealBatch>, StoreError>;

    /// Entries not sealed in their own rows with row ids after `after_id` up to
    /// `upto_id`, matching `filter`, in id order, at most `limit`: what batches cover.
    async fn batch_rows(
        &self,
        filter: &EventFilter,
        after_id: i64,
        upto_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, EventRecord)>, StoreError>;

    /// The newest entry's row id (0 when there is none).
    async fn last_event_id(&self) -> Result<i64, StoreError>;

    /// Removes the oldest entries, those before the first one at or after `cutoff`, and
    /// keeps the hash of the last one removed as the anchor later entries verify from.
    async fn prune_events(&self, cutoff: i64) -> Result<u64, StoreError>;

    /// One sealing round: seals up to `limit` entries, in id order, as one batch. Only
    /// entries that no running transaction can still precede are sealed: on
    /// PostgreSQL, while transactions that may still commit entries run, a round notes
    /// the batch's end and a later one seals up to it once they have ended. One sealer
    /// at a time across instances: one that finds another sealing returns
    /// [`SealRound::Busy`] at once instead of waiting.
    async fn seal_round(&self, limit: i64) -> Result<SealRound, StoreError>;

    /// Entries not yet sealed, and when the oldest of them was written.
    async fn unsealed(&self) -> Result<(u64, Option<i64>), StoreError>;
}
