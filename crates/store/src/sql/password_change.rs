//! The forced password change after a "not me", and the password a half-open login chose.

use async_trait::async_trait;
use spse_domain::secret::SessionHash;

use super::{SqlStore, db};
use crate::*;

#[async_trait]
impl PasswordChangeStore for SqlStore {
    async fn require_password_change(&self, pk: i64, now: i64) -> Result<(), StoreError> {
        db::query(
            "INSERT INTO password_change_required (user_pk, since) VALUES ($1, $2) \
             ON CONFLICT (user_pk) DO NOTHING",
        )
        .bind(pk)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn password_change_required(&self, pk: i64) -> Result<bool, StoreError> {
        let found: Option<i64> =
            db::query_scalar("SELECT user_pk FROM password_change_required WHERE user_pk = $1")
                .bind(pk)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    async fn put_pending_password(
        &self,
        session_hash: &SessionHash,
        pk: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query("DELETE FROM pending_passwords WHERE session_hash = $1")
            .bind(session_hash.as_str())
            .execute(&mut *tx)
            .await?;
        db::query(
            "INSERT INTO pending_passwords (session_hash, user_pk, password_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(session_hash.as_str())
        .bind(pk)
        .bind(password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pending_password(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            db::query_scalar("SELECT password_hash FROM pending_passwords WHERE session_hash = $1")
                .bind(session_hash.as_str())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn apply_password(&self, pk: i64, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query(
            "UPDATE users SET password_hash = $1, password_failures = 0, \
             password_locked_until = 0, password_lock_count = 0 WHERE id = $2",
        )
        .bind(password_hash)
        .bind(pk)
        .execute(&mut *tx)
        .await?;
        for table in ["password_change_required", "pending_passwords"] {
            db::query(&format!("DELETE FROM {table} WHERE user_pk = $1"))
                .bind(pk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
