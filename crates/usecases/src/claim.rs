//! The user ID step's claim: the door and the typed user ID, sealed with the server's
//! key into the session cookie instead of a session row. The step is open to anyone for
//! any ID, so it must cost the server no write; the first row is written at the
//! password step, which has the argon2 verification and its counters in front of it.
//!
//! A claim grants nothing: it only names whose password the next form asks for. It
//! cannot be ended before it expires (SPSE_ACTIVATION_MINUTES after it was made, like
//! the half-finished login it stands for), and need not be.

use spse_domain::secret::SessionHash;
use spse_domain::session::Stage;
use spse_domain::user::{UserId, UserKind};
use spse_store::SessionRecord;

use super::{Auth, SessionToken};

/// How a cookie value that is a claim begins; a stored session's id is 64 hex digits.
const PREFIX: &str = "c1.";
/// What the seal is bound to, so no other sealed value of this key opens as a claim.
const CONTEXT: &[u8] = b"spse-auth login claim v1";
/// Longest cookie value read as a claim: a user ID at its longest, sealed, in hex.
const MAX_LEN: usize = 512;
/// How far ahead of this instance's clock another instance may have made a claim.
const CLOCK_SKEW_SECS: i64 = 60;

impl Auth {
    /// A claim on `user_id` through the door `kind`, made now.
    pub(super) fn issue_claim(&self, user_id: &UserId, kind: UserKind) -> SessionToken {
        let plain = format!("{}|{}|{}", self.now(), kind.as_str(), user_id.as_str());
        let sealed = self.secrets.seal(plain.as_bytes(), CONTEXT);
        SessionToken(format!("{PREFIX}{}", hex::encode(sealed)), None)
    }

    /// Whether a cookie value has the form of a claim (it may still not open).
    pub(super) fn looks_like_claim(token: &str) -> bool {
        token.starts_with(PREFIX) && token.len() <= MAX_LEN
    }

    /// The half-finished login a claim stands for, if it opens and is still live. Its
    /// `id_hash` is the hash of the cookie value, and no row has it.
    pub(super) fn open_claim(&self, token: &str) -> Option<SessionRecord> {
        let sealed = hex::decode(token.strip_prefix(PREFIX)?).ok()?;
        let plain = self.secrets.open(&sealed, CONTEXT).ok()?;
        let plain = String::from_utf8(plain).ok()?;
        let mut parts = plain.splitn(3, '|');
        let issued_at: i64 = parts.next()?.parse().ok()?;
        let kind = UserKind::parse(parts.next()?)?;
        let user_id = UserId::parse(parts.next()?).ok()?;
        let now = self.now();
        let timeouts = &self.policy.timeouts;
        let expires_at = timeouts.expires_at(Stage::Identified, issued_at);
        if issued_at > now + CLOCK_SKEW_SECS || !timeouts.is_live(issued_at, expires_at, now) {
            return None;
        }
        Some(SessionRecord {
            id_hash: SessionHash::of(token),
            user_pk: None,
            claimed_user_id: user_id.as_str().to_string(),
            kind,
            stage: Stage::Identified,
            created_at: issued_at,
            last_seen_at: issued_at,
            expires_at,
            ip: String::new(),
            user_agent: String::new(),
            amr: String::new(),
        })
    }
}
