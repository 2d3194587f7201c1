//! Trusted browsers (OWASP "device cookies"): a browser that completed a two-factor login
//! on an account gets a cookie, and its password and code attempts there count on its own
//! counters. Someone guessing from elsewhere still locks the account for every other
//! browser (at most `SPSE_PASSWORD_MAX_FAILURES` in a row, as NIST SP 800-63B allows),
//! but not for its owner.

use spse_domain::token;
use spse_store::{BrowserLocks, NewTrustedBrowser, UserRecord};

use super::{Auth, AuthError, Client, TrustedBrowser};

/// The client's browser, trusted on this account: the hash of its cookie, its own locks.
pub(crate) struct Trusted {
    pub hash: String,
    pub locks: BrowserLocks,
}

/// How long a browser stays trusted without a new two-factor login.
const TRUST_SECS: i64 = 180 * 86_400;

impl Auth {
    /// The client's browser if it is trusted on `user`'s account.
    pub(crate) async fn trusted_browser_of(
        &self,
        user: &UserRecord,
        client: &Client,
    ) -> Result<Option<Trusted>, AuthError> {
        let Some(raw) = &client.trusted_browser else {
            return Ok(None);
        };
        let hash = token::hash(raw.expose());
        let locks = self
            .store
            .browser_trusted(&hash, user.pk, self.now())
            .await?;
        Ok(locks.map(|locks| Trusted { hash, locks }))
    }

    /// After a two-factor login: a new cookie for a browser not yet trusted here, and
    /// the row that trusts it, for the caller to store with the login.
    pub(crate) async fn browser_to_trust(
        &self,
        user: &UserRecord,
        client: &Client,
    ) -> Result<Option<(TrustedBrowser, NewTrustedBrowser)>, AuthError> {
        if self.trusted_browser_of(user, client).await?.is_some() {
            return Ok(None);
        }
        let raw = token::random_hex(32);
        let now = self.now();
        let row = NewTrustedBrowser {
            token_hash: token::hash(&raw),
            user_pk: user.pk,
            created_at: now,
            expires_at: now + TRUST_SECS,
        };
        Ok(Some((TrustedBrowser(raw), row)))
    }

    /// How long a trusted-browser cookie lives.
    pub fn trusted_browser_secs(&self) -> i64 {
        TRUST_SECS
    }
}
