//! Trusted browsers (OWASP "device cookies"): a browser that completed a two-factor login
//! on an account gets a cookie, and its password and code attempts there count on its own
//! counters. Someone guessing from elsewhere still locks the account for every other
//! browser (at most `SPSE_PASSWORD_MAX_FAILURES` in a row, as NIST SP 800-63B allows),
//! but not for its owner.

use spse_domain::token;
use spse_store::{BrowserLocks, UserRecord};

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

    /// After a two-factor login: a new cookie for a browser not yet trusted here.
    pub(crate) async fn trust_browser(
        &self,
        user: &UserRecord,
        client: &Client,
    ) -> Result<Option<TrustedBrowser>, AuthError> {
        if self.trusted_browser_of(user, client).await?.is_some() {
            return Ok(None);
        }
        let raw = token::random_hex(32);
        let now = self.now();
        self.store
            .trust_browser(&token::hash(&raw), user.pk, now, now + TRUST_SECS)
            .await?;
        Ok(Some(TrustedBrowser(raw)))
    }

    /// How long a trusted-browser cookie lives.
    pub fn trusted_browser_secs(&self) -> i64 {
        TRUST_SECS
    }
}
