//! Devices bound to accounts, their enrolment, and request nonces.

use super::counters::{Counter, RowKey};
use async_trait::async_trait;
use spse_domain::lockout::LockoutPolicy;
use spse_domain::secret::{Secret, SessionHash};

use super::users::activate_totp;
use super::{SqlStore, db};
use crate::*;

const DEVICE_COLUMNS: &str = "id, user_pk, public_key, name, created_at, revoked_at";

fn device_from_row(row: &db::Row) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        id: row.try_get("id")?,
        user_pk: row.try_get("user_pk")?,
        public_key: row.try_get("public_key")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

#[async_trait]
impl DeviceStore for SqlStore {
    async fn reserve_number_attempt(
        &self,
        device_id: &str,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError> {
        let counter = Counter {
            table: "devices",
            key: "id",
            prefix: "number",
        };
        self.reserve(counter, RowKey::Text(device_id), now, policy, lock_secs)
            .await
    }

    async fn clear_number_failures(&self, device_id: &str) -> Result<(), StoreError> {
        db::query(
            "UPDATE devices SET number_failures = 0, number_locked_until = 0, number_lock_count = 0 \
             WHERE id = $1",
        )
        .bind(device_id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn number_lock_count(&self, device_id: &str) -> Result<i64, StoreError> {
        Ok(db::query_scalar(
            "SELECT COALESCE(MAX(number_lock_count), 0) FROM devices WHERE id = $1",
        )
        .bind(device_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn activation_by_enroll_hash(
        &self,
        enroll_hash: &str,
    ) -> Result<Option<(i64, PendingActivation)>, StoreError> {
        let row = db::query(
            "SELECT user_pk, secret, expires_at, COALESCE(session_hash, '') AS session_hash FROM totp_activations \
             WHERE enroll_hash = $1 AND completed_at IS NULL",
        )
        .bind(enroll_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                row.try_get("user_pk")?,
                PendingActivation {
                    secret: Secret::new(row.try_get("secret")?),
                    expires_at: row.try_get("expires_at")?,
                    session_hash: SessionHash::from_stored(row.try_get("session_hash")?),
                },
            ))
        })
        .transpose()
    }

    async fn enroll_device(
        &self,
        device: &DeviceRecord,
        secret: &[u8],
        step: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let taken = db::query(
            "UPDATE totp_activations SET completed_at = $1 \
             WHERE user_pk = $2 AND expires_at > $1 AND completed_at IS NULL",
        )
        .bind(now)
        .bind(device.user_pk)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            return Ok(false);
        }
        activate_totp(&mut tx, device.user_pk, secret, step, now).await?;
        db::query(
            "INSERT INTO devices (id, user_pk, public_key, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&device.id)
        .bind(device.user_pk)
        .bind(&device.public_key)
        .bind(&device.name)
        .bind(device.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn take_enrolled_activation(
        &self,
        user_pk: i64,
        session_hash: &SessionHash,
    ) -> Result<bool, StoreError> {
        let taken = db::query(
            "DELETE FROM totp_activations \
             WHERE user_pk = $1 AND session_hash = $2 AND completed_at IS NOT NULL",
        )
        .bind(user_pk)
        .bind(session_hash.as_str())
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    async fn device(&self, id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1");
        let row = db::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(device_from_row).transpose()
    }

    async fn active_device(&self, user_pk: i64) -> Result<Option<DeviceRecord>, StoreError> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_pk = $1 AND revoked_at IS NULL \
             ORDER BY created_at DESC LIMIT 1"
        );
        let row = db::query(&sql)
            .bind(user_pk)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(device_from_row).transpose()
    }

    async fn use_nonce(
        &self,
        device_key: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let inserted =
            db::query("INSERT INTO api_nonces (device_key, nonce, expires_at) VALUES ($1, $2, $3)")
                .bind(device_key)
                .bind(nonce)
                .bind(expires_at)
                .execute(&self.writer)
                .await;
        match inserted.map_err(StoreError::from) {
            Ok(_) => Ok(true),
            Err(StoreError::Duplicate) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn delete_expired_nonces(&self, now: i64) -> Result<u64, StoreError> {
        let done = db::query("DELETE FROM api_nonces WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
