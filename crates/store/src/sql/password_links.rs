//! Set-password links.

use async_trait::async_trait;

use super::{SqlStore, db};
use crate::*;

#[async_trait]
impl PasswordLinkStore for SqlStore {
    async fn insert_password_link(
        &self,
        user_pk: i64,
        code_hash: &str,
        purpose: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        db::query(
            "INSERT INTO password_links (user_pk, code_hash, purpose, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_pk)
        .bind(code_hash)
        .bind(purpose)
        .bind(now)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn password_link(
        &self,
        code_hash: &str,
    ) -> Result<Option<PasswordLinkRecord>, StoreError> {
        let row = db::query(
            "SELECT user_pk, purpose, expires_at, used_at FROM password_links WHERE code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PasswordLinkRecord {
                user_pk: row.try_get("user_pk")?,
                purpose: row.try_get("purpose")?,
                expires_at: row.try_get("expires_at")?,
                used_at: row.try_get("used_at")?,
            })
        })
        .transpose()
    }

    async fn redeem_password_link(
        &self,
        user_pk: i64,
        code_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let taken = db::query(
            "UPDATE password_links SET used_at = $1 \
             WHERE code_hash = $2 AND user_pk = $3 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(code_hash)
        .bind(user_pk)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            return Ok(false);
        }
        db::query("UPDATE password_links SET used_at = $1 WHERE user_pk = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_pk)
            .execute(&mut *tx)
            .await?;
        db::query(
            "UPDATE users SET password_hash = $1, password_failures = 0, \
             password_locked_until = 0, password_lock_count = 0 WHERE id = $2",
        )
        .bind(password_hash)
        .bind(user_pk)
        .execute(&mut *tx)
        .await?;
        for table in ["password_change_required", "pending_passwords", "sessions"] {
            db::query(&format!("DELETE FROM {table} WHERE user_pk = $1"))
                .bind(user_pk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
