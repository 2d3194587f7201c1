//! The store's traits for what guards the keys to accounts: trusted browsers and the
//! record of which server key sealed the database.

use async_trait::async_trait;
use spse_domain::lockout::LockoutPolicy;

use crate::{BrowserLocks, Factor, Reservation, SealedSample, StoreError};

/// Browsers that completed a two-factor login on an account, with a password counter of
/// their own (see migration 0008).
#[async_trait]
pub trait TrustedBrowserStore: Send + Sync {
    // A browser becomes trusted with the login that earns it: see
    // `SessionStore::complete_login`.
    /// Whether `token_hash` is an unexpired trusted browser of `user_pk`: its own locks
    /// if so.
    async fn browser_trusted(
        &self,
        token_hash: &str,
        user_pk: i64,
        now: i64,
    ) -> Result<Option<BrowserLocks>, StoreError>;
    /// [`UserStore::reserve_attempt`], on the browser's own counter of `factor`.
    async fn reserve_browser_attempt(
        &self,
        token_hash: &str,
        factor: Factor,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError>;
    /// A right password or code from this browser: that counter starts again.
    async fn clear_browser_failures(
        &self,
        token_hash: &str,
        factor: Factor,
        now: i64,
    ) -> Result<(), StoreError>;
}

/// Which key sealed this database's secrets: a check value, never the key.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn key_check(&self) -> Result<Option<String>, StoreError>;

    /// Records `check` unless a value is recorded already; returns the recorded one,
    /// which is another instance's when that one got there first.
    async fn record_key_check(&self, check: &str, now: i64) -> Result<String, StoreError>;

    /// One sealed TOTP secret, active or pending, if any exists.
    async fn sealed_sample(&self) -> Result<Option<SealedSample>, StoreError>;
}
