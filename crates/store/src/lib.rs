//! The database boundary: one trait, one implementation that serves SQLite (in place)
//! and PostgreSQL (through sqlx) with the same queries. The choice is made once, in
//! [`connect`].

mod access_log;
mod guards;
mod import;
mod oidc;
mod password_links;
mod records;
mod reset;
mod scim;
mod sql;

use async_trait::async_trait;
use spse_domain::secret::SessionHash;

use spse_domain::lockout::LockoutPolicy;

pub use access_log::{AuditStore, EventStore};
pub use guards::{KeyStore, TrustedBrowserStore};
pub use import::{AccountUpdate, ImportStore};
pub use oidc::{
    ClientRecord, ClientStore, CodeRecord, GrantRecord, GrantStore, PendingLogout, Redeemed,
    SigningKeyRecord, SigningKeyStore, TokenKind, TokenRecord,
};
pub use password_links::{PasswordLinkRecord, PasswordLinkStore};
pub use records::*;
pub use reset::{CaptchaLimit, PowSpend, ResetStore};
pub use scim::{ScimAccountRecord, ScimProfile, ScimQuery, ScimStore, ScimTokenRecord};
pub use sql::{DbError, Relayed, SqlStore, connect, listen_for_notices};

/// What can go wrong at the database, in the store's own words.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    Duplicate,
    #[error("stored data is not what this version expects: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[source] DbError),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        if e.is_unique_violation() {
            Self::Duplicate
        } else {
            Self::Database(e)
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        DbError::from(e).into()
    }
}

/// Accounts, their failure counters and TOTP secrets.
#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert_user(&self, user: &NewUser, now: i64) -> Result<i64, StoreError>;

    async fn user_by_key(&self, user_key: &str) -> Result<Option<UserRecord>, StoreError>;

    async fn user_by_pk(&self, pk: i64) -> Result<Option<UserRecord>, StoreError>;

    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;

    async fn set_password_hash(&self, pk: i64, hash: &str) -> Result<(), StoreError>;

    /// Counts an attempt before it is checked, atomically, so parallel requests cannot
    /// all slip under the limit (Keycloak CVE-2024-4629). The attempt that reaches the
    /// limit sets the lock in the same statement; a success then lifts it.
    async fn reserve_attempt(
        &self,
        pk: i64,
        factor: Factor,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError>;

    /// Clears the counter and any lock after a success.
    async fn clear_failures(&self, pk: i64, factor: Factor) -> Result<(), StoreError>;

    /// Replaces any pending activation of the user. `enroll_hash` lets the authenticator
    /// find it; `session_hash` names the login attempt that waits for it.
    async fn put_activation(&self, pending: &NewActivation) -> Result<(), StoreError>;

    async fn activation(&self, pk: i64) -> Result<Option<PendingActivation>, StoreError>;

    /// Makes the pending secret the active one, if it is still pending and unexpired, and
    /// revokes every bound device: the old secret and devices stop working at once.
    async fn complete_activation(
        &self,
        pk: i64,
        secret: &[u8],
        step: i64,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// Records `step` as the last accepted one if it is later than the stored one and
    /// (with `honour_lock`) the account's code step is not locked at `now`; `false` means
    /// a lock, or another request claimed it (or a later one) first. With `honour_lock`
    /// a claim also clears the account's code failures and lock, as
    /// [`UserStore::clear_failures`] would, in the same write. A trusted browser, whose
    /// own lock (and counter) the caller checks and clears, claims without `honour_lock`.
    async fn claim_step(
        &self,
        pk: i64,
        step: i64,
        now: i64,
        honour_lock: bool,
    ) -> Result<bool, StoreError>;
}

/// Sessions, stored by the hash of their id.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;

    async fn session(&self, id_hash: &SessionHash) -> Result<Option<SessionRecord>, StoreError>;

    /// The session and its account in one read.
    async fn session_with_user(
        &self,
        id_hash: &SessionHash,
    ) -> Result<Option<SessionWithUser>, StoreError>;

    async fn touch_session(&self, id_hash: &SessionHash, now: i64) -> Result<(), StoreError>;

    /// Destroys `old` and stores `new` in one transaction; `false` when `old` was gone.
    async fn replace_session(
        &self,
        old_hash: &SessionHash,
        new: &SessionRecord,
    ) -> Result<bool, StoreError>;

    /// The last step of a login, in one transaction: destroys `old`, stores the full
    /// session `new`, trusts `browser` if given, and appends `event`. `false`, with
    /// nothing written, when `old` was gone (another request finished this login).
    async fn complete_login(
        &self,
        old_hash: &SessionHash,
        new: &SessionRecord,
        browser: Option<&NewTrustedBrowser>,
        event: &EventRecord,
    ) -> Result<bool, StoreError>;

    async fn delete_session(&self, id_hash: &SessionHash) -> Result<(), StoreError>;

    async fn delete_stale_sessions(&self, now: i64, idle_secs: i64) -> Result<u64, StoreError>;

    /// The user's full (signed-in) sessions, newest first.
    async fn sessions_for_user(&self, pk: i64) -> Result<Vec<SessionRecord>, StoreError>;

    /// Ends every session of the user at every step, except `keep` if given.
    async fn delete_user_sessions(
        &self,
        pk: i64,
        keep: Option<&SessionHash>,
    ) -> Result<u64, StoreError>;
}

/// The forced password change after a "not me".
#[async_trait]
pub trait PasswordChangeStore: Send + Sync {
    async fn require_password_change(&self, pk: i64, now: i64) -> Result<(), StoreError>;

    async fn password_change_required(&self, pk: i64) -> Result<bool, StoreError>;

    /// Keeps a chosen password with the half-open session that chose it.
    async fn put_pending_password(
        &self,
        session_hash: &SessionHash,
        pk: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    async fn pending_password(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<String>, StoreError>;

    /// Sets the password, lifts the requirement and the password lock, drops pending ones.
    async fn apply_password(&self, pk: i64, password_hash: &str) -> Result<(), StoreError>;
}

/// Devices, their enrolment, and the nonces of signed requests.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// [`UserStore::reserve_attempt`] for the number typed in the app, on the bound
    /// device's own counter.
    async fn reserve_number_attempt(
        &self,
        device_id: &str,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError>;
    /// A right number: the device's counter starts again.
    async fn clear_number_failures(&self, device_id: &str) -> Result<(), StoreError>;
    /// The device's number lock count, for the growing lock length.
    async fn number_lock_count(&self, device_id: &str) -> Result<i64, StoreError>;

    /// The user and pending activation an enrolment token points at.
    async fn activation_by_enroll_hash(
        &self,
        enroll_hash: &str,
    ) -> Result<Option<(i64, PendingActivation)>, StoreError>;
    /// Activates TOTP with the pending secret and binds `device` as the only device, in
    /// one transaction; `false` when the activation was no longer pending.
    async fn enroll_device(
        &self,
        device: &DeviceRecord,
        secret: &[u8],
        step: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Removes an activation completed by a device for this login attempt; `true` once.
    async fn take_enrolled_activation(
        &self,
        user_pk: i64,
        session_hash: &SessionHash,
    ) -> Result<bool, StoreError>;
    async fn device(&self, id: &str) -> Result<Option<DeviceRecord>, StoreError>;
    async fn active_device(&self, user_pk: i64) -> Result<Option<DeviceRecord>, StoreError>;
    /// Records a request nonce; `false` when it was seen before (a replay).
    async fn use_nonce(
        &self,
        device_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError>;
    async fn delete_expired_nonces(&self, now: i64) -> Result<u64, StoreError>;
}

/// Pending approvals (push login).
#[async_trait]
pub trait ApprovalStore: Send + Sync {
    /// Stores a new pending approval unless the user already has `max_pending` live ones
    /// or approvals are paused; `false` when refused.
    async fn create_approval(
        &self,
        approval: &ApprovalRecord,
        max_pending: i64,
    ) -> Result<bool, StoreError>;
    async fn approval(&self, id: &str) -> Result<Option<ApprovalRecord>, StoreError>;
    async fn latest_approval_for_session(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<ApprovalRecord>, StoreError>;
    async fn pending_approvals(
        &self,
        user_pk: i64,
        now: i64,
    ) -> Result<Vec<ApprovalRecord>, StoreError>;
    /// Moves a pending, unexpired approval to `to`; `false` when another decision (or
    /// the clock) got there first. A denial ("tidak" or "bukan saya") of a login deletes
    /// the attempt's session in the same transaction.
    async fn decide_approval(
        &self,
        id: &str,
        to: ApprovalState,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Marks an approved approval used; `true` only for the first caller.
    async fn consume_approval(&self, id: &str) -> Result<bool, StoreError>;
    async fn pause_approvals(&self, user_pk: i64, until: i64) -> Result<(), StoreError>;
}

/// What staff may change about an account besides its TOTP.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Disables or enables an account; disabling ends its sessions in the same transaction.
    async fn set_disabled(&self, user_pk: i64, disabled: bool) -> Result<(), StoreError>;
}

/// Outgoing mail, kept in the database until the server accepted it, so a slow mail
/// server never holds up a request and a restart loses nothing.
#[async_trait]
pub trait MailQueueStore: Send + Sync {
    /// Queues a mail whose bodies the caller sealed; the subject stays readable for logs.
    async fn enqueue_mail(
        &self,
        to: &str,
        subject: &str,
        sealed_text: &[u8],
        sealed_html: Option<&[u8]>,
        now: i64,
    ) -> Result<i64, StoreError>;

    /// Claims up to `limit` due mails until `lease_until`, so no other worker (on this
    /// or another instance) sends them meanwhile.
    async fn claim_due_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<QueuedMail>, StoreError>;

    /// Up to `limit` mails queued by an older version with plain-text bodies.
    async fn plain_mail(&self, limit: i64) -> Result<Vec<PlainMail>, StoreError>;

    /// Replaces a plain mail's bodies by their sealed form.
    async fn seal_plain_mail(
        &self,
        id: i64,
        sealed_text: &[u8],
        sealed_html: Option<&[u8]>,
    ) -> Result<(), StoreError>;

    /// Removes a delivered mail (with the link it may carry).
    async fn mail_sent(&self, id: i64) -> Result<(), StoreError>;

    /// Schedules the next attempt, or gives up (`next_attempt_at` = `None`).
    async fn mail_failed(
        &self,
        id: i64,
        next_attempt_at: Option<i64>,
        error: &str,
    ) -> Result<(), StoreError>;
}

/// Everything the service keeps. One trait per feature, so each stays small; the
/// implementation is chosen once, in [`connect`].
#[async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + EventStore
    + AuditStore
    + PasswordChangeStore
    + DeviceStore
    + ApprovalStore
    + ResetStore
    + StaffStore
    + MailQueueStore
    + TrustedBrowserStore
    + KeyStore
    + ClientStore
    + SigningKeyStore
    + GrantStore
    + ImportStore
    + PasswordLinkStore
    + ScimStore
    + 'static
{
    async fn ping(&self) -> Result<(), StoreError>;
    /// A harmless write (the one heartbeat row), for readiness: fails where the database
    /// answers reads but refuses writes.
    async fn heartbeat(&self, now: i64) -> Result<(), StoreError>;
    /// Whether the schema is at the newest migration this build knows.
    async fn migrations_current(&self) -> Result<bool, StoreError>;
    /// Connections open and idle in the pool.
    fn pool_status(&self) -> (u32, u32);
    /// Counts of shared state for the metrics.
    async fn shared_gauges(&self, now: i64) -> Result<crate::SharedGauges, StoreError>;
    /// Tells every other instance that a login attempt changed (PostgreSQL NOTIFY);
    /// nothing to do where the database has one process.
    async fn publish_notice(&self, session_hash: &SessionHash) -> Result<(), StoreError>;
    /// Tells every other instance that a session was logged out although its row could
    /// not be deleted, so that they refuse it too; nothing to do on SQLite.
    async fn publish_session_end(&self, session_hash: &SessionHash) -> Result<(), StoreError>;
}
