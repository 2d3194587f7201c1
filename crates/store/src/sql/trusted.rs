//! Trusted browsers: their own password and code counters, so guessing from elsewhere
//! cannot lock the owner out (OWASP "Slow Down Online Guessing Attacks with Device
//! Cookies").

use super::counters::{Counter, RowKey, factor_prefix};
use async_trait::async_trait;
use spse_domain::lockout::LockoutPolicy;

use super::{SqlStore, db};
use crate::*;

pub(super) fn insert_trusted_query(browser: &NewTrustedBrowser) -> db::Query<'_> {
    db::query(
        "INSERT INTO trusted_browsers (token_hash, user_pk, created_at, last_used_at, expires_at) \
         VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(browser.token_hash.as_str())
    .bind(browser.user_pk)
    .bind(browser.created_at)
    .bind(browser.expires_at)
}

#[async_trait]
impl TrustedBrowserStore for SqlStore {
    async fn browser_trusted(
        &self,
        token_hash: &str,
        user_pk: i64,
        now: i64,
    ) -> Result<Option<BrowserLocks>, StoreError> {
        let row = db::query(
            "SELECT password_lock_count, totp_lock_count, totp_locked_until FROM trusted_browsers \
             WHERE token_hash = $1 AND user_pk = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(user_pk)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(BrowserLocks {
                password_lock_count: row.try_get(0)?,
                code_lock_count: row.try_get(1)?,
                code_locked_until: row.try_get(2)?,
            })
        })
        .transpose()
    }

    async fn reserve_browser_attempt(
        &self,
        token_hash: &str,
        factor: Factor,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError> {
        let counter = Counter {
            table: "trusted_browsers",
            key: "token_hash",
            prefix: factor_prefix(factor),
        };
        self.reserve(counter, RowKey::Text(token_hash), now, policy, lock_secs)
            .await
    }

    async fn clear_browser_failures(
        &self,
        token_hash: &str,
        factor: Factor,
        now: i64,
    ) -> Result<(), StoreError> {
        let p = factor_prefix(factor);
        let sql = format!(
            "UPDATE trusted_browsers SET {p}_failures = 0, {p}_locked_until = 0, \
             {p}_lock_count = 0, last_used_at = $2 WHERE token_hash = $1"
        );
        db::query(&sql)
            .bind(token_hash)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
