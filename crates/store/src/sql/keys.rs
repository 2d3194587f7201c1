//! The check value of the key that sealed this database's secrets.

use async_trait::async_trait;
use spse_domain::secret::Secret;

use super::{SqlStore, db};
use crate::*;

#[async_trait]
impl KeyStore for SqlStore {
    async fn key_check(&self) -> Result<Option<String>, StoreError> {
        Ok(
            db::query_scalar("SELECT check_value FROM key_check WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn record_key_check(&self, check: &str, now: i64) -> Result<String, StoreError> {
        // Two instances starting at once on an empty database: the first insert wins,
        // and both read the winner back.
        db::query(
            "INSERT INTO key_check (id, check_value, recorded_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(check)
        .bind(now)
        .execute(&self.writer)
        .await?;
        self.key_check()
            .await?
            .ok_or_else(|| StoreError::Corrupt("key_check row missing after insert".into()))
    }

    async fn sealed_sample(&self) -> Result<Option<SealedSample>, StoreError> {
        let active = db::query(
            "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = active {
            return Ok(Some(SealedSample {
                user_pk: row.try_get("id")?,
                sealed: Secret::new(row.try_get("totp_secret")?),
                pending: false,
            }));
        }
        let pending =
            db::query("SELECT user_pk, secret FROM totp_activations ORDER BY user_pk LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        pending
            .map(|row| {
                Ok(SealedSample {
                    user_pk: row.try_get("user_pk")?,
                    sealed: Secret::new(row.try_get("secret")?),
                    pending: true,
                })
            })
            .transpose()
    }
}
