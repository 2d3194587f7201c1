//! Trusted browsers: their own password counter, so guessing from elsewhere cannot lock
//! the owner out (OWASP "Slow Down Online Guessing Attacks with Device Cookies").

use super::counters::{Counter, RowKey};
use async_trait::async_trait;
use spse_domain::lockout::LockoutPolicy;

use super::SqlStore;
use crate::*;

#[async_trait]
impl TrustedBrowserStore for SqlStore {
    async fn trust_browser(
        &self,
        token_hash: &str,
        user_pk: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO trusted_browsers (token_hash, user_pk, created_at, last_used_at, expires_at) \
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_pk)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn browser_trusted(
        &self,
        token_hash: &str,
        user_pk: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT password_lock_count FROM trusted_browsers \
             WHERE token_hash = $1 AND user_pk = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(user_pk)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn reserve_browser_attempt(
        &self,
        token_hash: &str,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError> {
        let counter = Counter {
            table: "trusted_browsers",
            key: "token_hash",
            prefix: "password",
        };
        self.reserve(counter, RowKey::Text(token_hash), now, policy, lock_secs)
            .await
    }

    async fn clear_browser_failures(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE trusted_browsers SET password_failures = 0, password_locked_until = 0, \
             password_lock_count = 0, last_used_at = $2 WHERE token_hash = $1",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
