//! The OpenID Provider's signing keys.

use async_trait::async_trait;

use super::{SqlStore, db};
use crate::*;

const COLUMNS: &str = "kid, alg, sealed_private, public_jwk, created_at, retired_at";

fn key_from(row: &db::Row) -> Result<SigningKeyRecord, StoreError> {
    Ok(SigningKeyRecord {
        kid: row.try_get("kid")?,
        alg: row.try_get("alg")?,
        sealed_private: row.try_get("sealed_private")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: row.try_get("created_at")?,
        retired_at: row.try_get("retired_at")?,
    })
}

fn insert_query(key: &SigningKeyRecord) -> db::Query<'_> {
    db::query(
        "INSERT INTO oidc_signing_keys (kid, alg, sealed_private, public_jwk, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&key.kid)
    .bind(&key.alg)
    .bind(&key.sealed_private)
    .bind(&key.public_jwk)
    .bind(key.created_at)
}

#[async_trait]
impl SigningKeyStore for SqlStore {
    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query("UPDATE oidc_signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_query(key).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_first_signing_key(&self, key: &SigningKeyRecord) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        if self.postgres {
            // Two instances starting together must not both add a first key.
            db::query("LOCK TABLE oidc_signing_keys IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        // One statement, so SQLite takes its write lock before it reads.
        let added = db::query(
            "INSERT INTO oidc_signing_keys (kid, alg, sealed_private, public_jwk, created_at) \
             SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
             (SELECT 1 FROM oidc_signing_keys WHERE retired_at IS NULL)",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(&key.sealed_private)
        .bind(&key.public_jwk)
        .bind(key.created_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(added == 1)
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        db::query(&format!(
            "SELECT {COLUMNS} FROM oidc_signing_keys ORDER BY created_at DESC, kid"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(key_from)
        .collect()
    }
}
