//! The store's trait for reset by email (guide D), its captcha and proof of work, and
//! taking TOTP off an account.

use async_trait::async_trait;

use crate::{NewTicket, RequestCounts, ResetCodeRecord, StoreError};

/// The bound per address that [`ResetStore::put_captcha`] and
/// [`ResetStore::spend_pow`] keep.
#[derive(Debug, Clone, Copy)]
pub struct CaptchaLimit<'a> {
    pub address: &'a str,
    pub most: i64,
    pub now: i64,
}

/// What [`ResetStore::spend_pow`] did with a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowSpend {
    /// Recorded now: the proof answers this once.
    Spent,
    /// Spent before: a replay.
    Replayed,
    /// The address holds the most unexpired proofs it may: nothing written.
    Full,
}

/// Reset by email (guide D), its captcha, and taking TOTP off an account.
#[async_trait]
pub trait ResetStore: Send + Sync {
    /// Records a request, matching or not, and counts those since `since` (this one too).
    async fn record_reset_request(
        &self,
        ip: &str,
        user_key: &str,
        now: i64,
        since: i64,
    ) -> Result<RequestCounts, StoreError>;

    /// Takes one of the account's reset mails for the window since `since`: `false` when
    /// `max` were sent already. Exact under concurrency (the account's rate key is locked
    /// first).
    async fn claim_reset_mail(
        &self,
        user_key: &str,
        now: i64,
        since: i64,
        max: i64,
    ) -> Result<bool, StoreError>;

    async fn insert_reset_code(
        &self,
        user_pk: i64,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    async fn reset_code(&self, code_hash: &str) -> Result<Option<ResetCodeRecord>, StoreError>;

    /// Uses the code and takes TOTP off in one transaction, leaving `ticket` as what the
    /// next activation must show. `false` (and nothing changed) when the code is used,
    /// expired or not this user's.
    async fn redeem_reset_code(
        &self,
        user_pk: i64,
        code_hash: &str,
        now: i64,
        ticket: &NewTicket,
    ) -> Result<bool, StoreError>;

    /// Takes TOTP off: the secret, any pending activation and the last step go, and every
    /// session and unused reset code of the user ends, in one transaction.
    /// With a `ticket` (a helpdesk reset) the next activation must show it; without (the
    /// owner's own DISABLE TOTP) it activates as the first time.
    async fn clear_totp(
        &self,
        user_pk: i64,
        now: i64,
        ticket: Option<&NewTicket>,
    ) -> Result<(), StoreError>;

    /// Adds a ticket for an account whose activation needs one (a fresh mailed link).
    async fn put_ticket(&self, ticket: &NewTicket) -> Result<(), StoreError>;

    /// Whether `ticket_hash` is an unexpired ticket of this account.
    async fn ticket_valid(
        &self,
        user_pk: i64,
        ticket_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// When the account's newest mailed ticket was made, if it has an unexpired one.
    async fn newest_mailed_ticket_at(
        &self,
        user_pk: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// Stores a new captcha drawn for `limit.address`, rendered once: the hash its answer
    /// is checked against and the answer sealed for drawing and speaking. Nothing is
    /// written, and the answer is false, when the id is held unexpired already or the
    /// address holds `limit.most` other unexpired captchas. An expired row of the id (or
    /// one from before answers were sealed) is replaced.
    async fn put_captcha(
        &self,
        id_hash: &str,
        answer_hash: &str,
        answer_sealed: &[u8],
        expires_at: i64,
        limit: &CaptchaLimit<'_>,
    ) -> Result<bool, StoreError>;

    /// The sealed answer of an unexpired captcha, to draw or speak it once more; counts
    /// the render. `None` when there is no such captcha or it was rendered `most` times.
    async fn render_captcha(
        &self,
        id_hash: &str,
        now: i64,
        most: i64,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Records a proof of work as spent, unless it was already or `limit.address` has
    /// spent `limit.most` unexpired ones.
    async fn spend_pow(
        &self,
        challenge_hash: &str,
        expires_at: i64,
        limit: &CaptchaLimit<'_>,
    ) -> Result<PowSpend, StoreError>;

    /// Takes a captcha out, so it answers once: its answer hash if it had not expired.
    async fn take_captcha(&self, id_hash: &str, now: i64) -> Result<Option<String>, StoreError>;

    /// Drops expired captchas, spent proofs, reset codes and set-password links, and
    /// requests older than `requests_before`.
    async fn delete_stale_resets(&self, now: i64, requests_before: i64) -> Result<u64, StoreError>;
}
