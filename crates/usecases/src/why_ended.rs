//! Why a session cookie names no live session, so that the next page can say so (WCAG
//! 2.2.1): the session sat idle, reached its absolute limit, was a login attempt or an
//! activation that ran out, or was ended from elsewhere (its row is gone: LOGOUT, "akhiri
//! semua sesi", "bukan saya", a reset, the helpdesk).
//!
//! A lookup never deletes a timed-out row; the sweeper does, [`ENDED_NOTICE_SECS`] after
//! it timed out, so the reason can be told for that long. A kept row is never live again:
//! every lookup checks the limits.

use spse_domain::secret::SessionHash;
use spse_domain::session::Stage;
use spse_domain::user::UserKind;

use super::{Auth, AuthError};

/// How long a timed-out session's row is kept so that its reason can be told.
pub const ENDED_NOTICE_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndedWhy {
    /// Signed in, then no request for the idle limit.
    Idle,
    /// Signed in past the absolute limit.
    Limit,
    /// A login attempt (user ID, password, TOTP step or activation) that ran out.
    Attempt { kind: UserKind, user_id: String },
    /// No such session: ended from elsewhere, or long ago.
    Elsewhere,
}

impl Auth {
    pub async fn why_ended(&self, token: &str) -> Result<EndedWhy, AuthError> {
        if token.len() != 64 {
            return Ok(EndedWhy::Elsewhere);
        }
        let id_hash = SessionHash::of(token);
        let now = self.now();
        if self.ended.contains(&id_hash, now) {
            return Ok(EndedWhy::Elsewhere);
        }
        let Some(record) = self.store.session(&id_hash).await? else {
            return Ok(EndedWhy::Elsewhere);
        };
        // Whichever limit came first ended it.
        let idle_end = record.last_seen_at + self.policy.timeouts.idle_secs;
        Ok(match record.stage {
            Stage::Full if idle_end < record.expires_at => EndedWhy::Idle,
            Stage::Full => EndedWhy::Limit,
            Stage::Identified | Stage::PasswordOk => EndedWhy::Attempt {
                kind: record.kind,
                user_id: record.claimed_user_id,
            },
        })
    }
}
