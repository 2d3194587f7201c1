//! What the store reads and writes: plain records, no behaviour beyond naming states.

use spse_domain::event::EventName;
use spse_domain::secret::{Secret, SessionHash};
use spse_domain::session::Stage;
use spse_domain::user::{Role, UserId, UserKind};
pub use spse_protocol::api::ApprovalPurpose;

/// Which second-chance counter an attempt counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Password,
    Totp,
}

/// Consecutive failures of one factor and the lock they led to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockState {
    pub failures: i64,
    pub locked_until: i64,
    pub lock_count: i64,
}

/// A trusted browser's own locks: lock counts for the growing lock length, and when its
/// code step's lock ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserLocks {
    pub password_lock_count: i64,
    pub code_lock_count: i64,
    pub code_locked_until: i64,
}

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub pk: i64,
    pub user_id: UserId,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Secret<String>,
    pub disabled: bool,
    /// Sealed TOTP secret; `None` while TOTP is not active.
    pub totp_secret: Option<Secret<Vec<u8>>>,
    pub totp_activated_at: Option<i64>,
    pub totp_last_step: Option<i64>,
    /// When TOTP was last reset (by link or helpdesk) and not activated since: the next
    /// activation then needs an activation ticket.
    pub totp_reset_at: Option<i64>,
    pub password_lock: LockState,
    pub totp_lock: LockState,
    pub created_at: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user_id: String,
    pub user_key: String,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Secret<String>,
}

/// A pending activation to store.
#[derive(Debug, Clone)]
pub struct NewActivation {
    pub user_pk: i64,
    pub secret: Secret<Vec<u8>>,
    pub enroll_hash: Secret<String>,
    pub session_hash: SessionHash,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A TOTP secret waiting for its first code.
#[derive(Debug, Clone)]
pub struct PendingActivation {
    pub secret: Secret<Vec<u8>>,
    pub expires_at: i64,
    /// The login attempt waiting for this activation.
    pub session_hash: SessionHash,
}

/// An activation ticket to store: the hash of a one-time value held by one browser (a
/// cookie) or carried by a mailed link.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub user_pk: i64,
    pub hash: Secret<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// Sent in a mailed link (rather than kept by the browser that confirmed a reset).
    pub mailed: bool,
}

/// A session as stored: never the id itself, only its hash.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id_hash: SessionHash,
    pub user_pk: Option<i64>,
    pub claimed_user_id: String,
    pub kind: UserKind,
    pub stage: Stage,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    /// How the login was proven, as RFC 8176 method values separated by spaces (`pwd otp`,
    /// `pwd swk`); empty before the login is complete.
    pub amr: String,
}

/// A session read together with its account in one query: what every request behind a
/// cookie needs first.
#[derive(Debug, Clone)]
pub struct SessionWithUser {
    pub session: SessionRecord,
    /// None before the password step names an account, or once it was deleted.
    pub user: Option<UserRecord>,
    /// The account must choose a new password before its login completes.
    pub password_change_required: bool,
}

/// A browser trusted on an account from now on, by the hash of its new cookie.
#[derive(Debug, Clone)]
pub struct NewTrustedBrowser {
    pub token_hash: String,
    pub user_pk: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

/// One access-log entry.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub at: i64,
    pub user_pk: Option<i64>,
    pub user_id: String,
    pub event: EventName,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

impl EventRecord {
    /// The fields the hash chain covers, at position `seq`.
    pub fn chain_fields(&self, seq: i64) -> spse_domain::audit::ChainFields<'_> {
        spse_domain::audit::ChainFields {
            seq,
            at: self.at,
            user_pk: self.user_pk,
            user_id: &self.user_id,
            event: self.event.as_str(),
            ip: &self.ip,
            user_agent: &self.user_agent,
            detail: &self.detail,
        }
    }
}

/// An access-log entry as read back, with where it sits and whether it was flagged.
#[derive(Debug, Clone)]
pub struct LoggedEvent {
    pub id: i64,
    pub event: EventRecord,
    /// When the user said "not me" about it.
    pub flagged_at: Option<i64>,
}

/// A chained entry as stored: what verification and export read.
#[derive(Debug, Clone)]
pub struct ChainRow {
    pub id: i64,
    pub seq: i64,
    pub hash: String,
    pub event: EventRecord,
}

/// The chain's two ends (the last entry sealed, and the last one removed by retention)
/// and where its two parts meet: entries sealed in their own rows before batches, up to
/// `legacy_seq`, then the sealed batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainState {
    pub head_seq: i64,
    pub head_hash: String,
    pub anchor_seq: i64,
    pub anchor_hash: String,
    pub legacy_seq: i64,
    pub legacy_hash: String,
    /// Every entry with a row id up to this is sealed.
    pub sealed_id: i64,
    pub head_batch: i64,
    /// The last batch removed by retention.
    pub anchor_batch: i64,
}

/// One sealed batch: its entries' row ids and hashes in chain order, the first of them
/// at position `first_seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealBatch {
    pub batch: i64,
    pub first_seq: i64,
    /// The batch covers the rows after the previous batch's `last_id` up to this one.
    pub last_id: i64,
    pub entries: Vec<SealedEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedEntry {
    pub id: i64,
    pub hash: String,
}

/// What one sealing round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealRound {
    /// Sealed this many entries in one batch.
    Sealed(u64),
    /// Entries wait for transactions that may still commit entries before them
    /// (PostgreSQL): a later round seals them.
    Waiting,
    /// Another instance is sealing (PostgreSQL).
    Busy,
    /// Nothing waits to be sealed.
    Idle,
}

/// Which entries a search or export wants; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Lower-case user ID (the user key).
    pub user_key: String,
    pub event: String,
    pub ip: String,
    /// From this time (inclusive), unix seconds.
    pub from: Option<i64>,
    /// Up to this time (exclusive), unix seconds.
    pub until: Option<i64>,
    /// Only entries about ordinary accounts (and user IDs that match none): what a
    /// helpdesk account may see.
    pub ordinary_only: bool,
}

/// Outcome of reserving an attempt against a factor's counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may be checked. `locks_on_failure`: this was the last attempt before
    /// the lock, which is already in place unless the attempt succeeds.
    Allowed { locks_on_failure: bool },
    /// Locked; the attempt must not be checked.
    Locked,
}

/// A device (an SPSE Authenticator install) bound to an account.
#[derive(Debug, Clone)]
pub struct DeviceRecord {
    pub id: String,
    pub user_pk: i64,
    pub public_key: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalState {
    Pending,
    Approved,
    Denied,
    NotMe,
    /// Approved, and the waiting login has been completed with it.
    Used,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::NotMe => "not_me",
            Self::Used => "used",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Approved,
            Self::Denied,
            Self::NotMe,
            Self::Used,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A login waiting for (or given) a decision in the authenticator.
#[derive(Debug, Clone)]
pub struct ApprovalRecord {
    pub id: String,
    pub user_pk: i64,
    /// The session this approval belongs to: a half-open one (a login attempt), or a
    /// signed-in one asking to DISABLE TOTP.
    pub session_hash: SessionHash,
    pub purpose: ApprovalPurpose,
    pub number: i64,
    pub state: ApprovalState,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// A reset code as stored: never the code, only its hash.
#[derive(Debug, Clone)]
pub struct ResetCodeRecord {
    pub user_pk: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// How many reset requests came lately from one IP and for one typed account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCounts {
    pub from_ip: i64,
    pub for_account: i64,
}

/// A mail waiting in the queue, its bodies sealed by the use cases.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub sealed_text: Vec<u8>,
    pub sealed_html: Option<Vec<u8>>,
    /// Attempts made, this one included.
    pub attempts: i64,
}

/// A mail queued by a version that kept bodies in plain text, waiting to be sealed.
#[derive(Debug, Clone)]
pub struct PlainMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: Secret<String>,
    pub html: Option<Secret<String>>,
}

/// One TOTP secret sealed by the server's key: what a start without a recorded key
/// check opens to learn whether its key file is the one that sealed the database.
#[derive(Debug, Clone)]
pub struct SealedSample {
    pub user_pk: i64,
    pub sealed: Secret<Vec<u8>>,
    /// A pending activation's secret (sealed for the activation) rather than an active one.
    pub pending: bool,
}

/// State shared by every instance, counted in the database when scraped.
#[derive(Debug, Clone, Default)]
pub struct SharedGauges {
    pub pending_approvals: i64,
    pub pending_activations: i64,
    pub full_sessions: i64,
    pub half_open_sessions: i64,
    pub mail_queued: i64,
    pub mail_failed: i64,
    pub locked_accounts: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record in a log line or a panic message never shows what opens the account.
    #[test]
    fn debug_of_a_user_shows_no_hash_or_secret() {
        let user = UserRecord {
            pk: 1,
            user_id: UserId::parse("PPK1").unwrap(),
            kind: UserKind::NonPenyedia,
            email: "ppk1@lpse.go.id".into(),
            name: "Budi".into(),
            role: Role::User,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            disabled: false,
            totp_secret: Some(Secret::new(b"sealed-secret-bytes".to_vec())),
            totp_activated_at: None,
            totp_last_step: None,
            totp_reset_at: None,
            password_lock: LockState::default(),
            totp_lock: LockState::default(),
            created_at: 0,
        };
        let shown = format!("{user:?}");
        assert!(shown.contains("PPK1"), "{shown}");
        assert!(!shown.contains("argon2id"), "{shown}");
        assert!(
            !shown.contains("115, 101, 97"),
            "sealed bytes shown: {shown}"
        );
    }
}
