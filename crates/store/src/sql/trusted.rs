//! Trusted browsers: their own password counter, so guessing from elsewhere cannot lock
//! the owner out (OWASP "Slow Down Online Guessing Attacks with Device Cookies").

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
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT user_pk FROM trusted_browsers \
             WHERE token_hash = $1 AND user_pk = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(user_pk)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn reserve_browser_attempt(
        &self,
        token_hash: &str,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError> {
        // The same atomic count-before-check as the account's counter (users.rs).
        let new_lock: Option<i64> = sqlx::query_scalar(
            "UPDATE trusted_browsers SET \
               password_failures = CASE WHEN password_failures + 1 >= $3 THEN 0 ELSE password_failures + 1 END, \
               password_locked_until = CASE WHEN password_failures + 1 >= $3 THEN $2 + $4 ELSE password_locked_until END, \
               password_lock_count = CASE WHEN password_failures + 1 >= $3 THEN password_lock_count + 1 ELSE password_lock_count END \
             WHERE token_hash = $1 AND password_locked_until <= $2 \
             RETURNING password_locked_until",
        )
        .bind(token_hash)
        .bind(now)
        .bind(policy.max_failures)
        .bind(lock_secs)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match new_lock {
            None => Reservation::Locked,
            Some(until) => Reservation::Allowed {
                locks_on_failure: until > now,
            },
        })
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

    async fn browser_lock_count(&self, token_hash: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(MAX(password_lock_count), 0) FROM trusted_browsers WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await?)
    }
}
