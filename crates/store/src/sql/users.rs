//! Accounts, their failure counters and their TOTP secrets.

use super::counters::{Counter, RowKey, factor_prefix};
use async_trait::async_trait;
use spse_domain::secret::{Secret, SessionHash};

use super::{SqlStore, corrupt, db};
use crate::*;
use spse_domain::user::{Role, UserId, UserKind};

pub(super) const USER_COLUMNS: &str = "id, user_id, kind, email, name, role, password_hash, disabled, \
    totp_secret, totp_activated_at, totp_last_step, totp_reset_at, \
    password_failures, password_locked_until, password_lock_count, \
    totp_failures, totp_locked_until, totp_lock_count, created_at";

pub(super) fn user_from_row(row: &db::Row) -> Result<UserRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let role: String = row.try_get("role")?;
    let lock = |prefix: &str| -> Result<LockState, db::DbError> {
        Ok(LockState {
            failures: row.try_get(format!("{prefix}_failures").as_str())?,
            locked_until: row.try_get(format!("{prefix}_locked_until").as_str())?,
            lock_count: row.try_get(format!("{prefix}_lock_count").as_str())?,
        })
    };
    Ok(UserRecord {
        pk: row.try_get("id")?,
        user_id: {
            let text: String = row.try_get("user_id")?;
            UserId::parse(&text).map_err(|_| corrupt("user ID", &text))?
        },
        kind: UserKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        password_hash: Secret::new(row.try_get("password_hash")?),
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        totp_secret: row
            .try_get::<Option<Vec<u8>>, _>("totp_secret")?
            .map(Secret::new),
        totp_activated_at: row.try_get("totp_activated_at")?,
        totp_last_step: row.try_get("totp_last_step")?,
        totp_reset_at: row.try_get("totp_reset_at")?,
        password_lock: lock("password")?,
        totp_lock: lock("totp")?,
        created_at: row.try_get("created_at")?,
    })
}

fn counter_columns(factor: Factor) -> (&'static str, &'static str, &'static str) {
    match factor {
        Factor::Password => (
            "password_failures",
            "password_locked_until",
            "password_lock_count",
        ),
        Factor::Totp => ("totp_failures", "totp_locked_until", "totp_lock_count"),
    }
}

/// Makes `secret` the user's active TOTP secret and revokes every bound device, inside
/// the caller's transaction.
pub(super) async fn activate_totp(
    tx: &mut db::Tx,
    pk: i64,
    secret: &[u8],
    step: i64,
    now: i64,
) -> Result<(), StoreError> {
    db::query(
        "UPDATE users SET totp_secret = $1, totp_activated_at = $2, totp_last_step = $3, \
         totp_reset_at = NULL, totp_failures = 0, totp_locked_until = 0, totp_lock_count = 0 \
         WHERE id = $4",
    )
    .bind(secret.to_vec())
    .bind(now)
    .bind(step)
    .bind(pk)
    .execute(&mut **tx)
    .await?;
    db::query("UPDATE devices SET revoked_at = $1 WHERE user_pk = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(pk)
        .execute(&mut **tx)
        .await?;
    db::query("DELETE FROM activation_tickets WHERE user_pk = $1")
        .bind(pk)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, user: &NewUser, now: i64) -> Result<i64, StoreError> {
        let pk: i64 = db::query_scalar(
            "INSERT INTO users (user_id, user_key, kind, email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&user.user_id)
        .bind(&user.user_key)
        .bind(user.kind.as_str())
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(user.password_hash.expose())
        .bind(now)
        .fetch_one(&self.writer)
        .await?;
        Ok(pk)
    }

    async fn user_by_key(&self, user_key: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE user_key = $1");
        let row = db::query(&sql)
            .bind(user_key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_pk(&self, pk: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = db::query(&sql).bind(pk).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY user_key");
        let rows = db::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_password_hash(&self, pk: i64, hash: &str) -> Result<(), StoreError> {
        db::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(pk)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn reserve_attempt(
        &self,
        pk: i64,
        factor: Factor,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError> {
        let counter = Counter {
            table: "users",
            key: "id",
            prefix: factor_prefix(factor),
        };
        self.reserve(counter, RowKey::Id(pk), now, policy, lock_secs)
            .await
    }

    async fn clear_failures(&self, pk: i64, factor: Factor) -> Result<(), StoreError> {
        let (failures, locked_until, lock_count) = counter_columns(factor);
        let sql = format!(
            "UPDATE users SET {failures} = 0, {locked_until} = 0, {lock_count} = 0 WHERE id = $1"
        );
        db::query(&sql).bind(pk).execute(&self.writer).await?;
        Ok(())
    }

    async fn put_activation(&self, pending: &NewActivation) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query("DELETE FROM totp_activations WHERE user_pk = $1")
            .bind(pending.user_pk)
            .execute(&mut *tx)
            .await?;
        db::query(
            "INSERT INTO totp_activations (user_pk, secret, enroll_hash, session_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(pending.user_pk)
        .bind(pending.secret.expose().clone())
        .bind(pending.enroll_hash.expose())
        .bind(pending.session_hash.as_str())
        .bind(pending.created_at)
        .bind(pending.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn activation(&self, pk: i64) -> Result<Option<PendingActivation>, StoreError> {
        let row = db::query("SELECT secret, expires_at, COALESCE(session_hash, '') AS session_hash FROM totp_activations WHERE user_pk = $1 AND completed_at IS NULL")
            .bind(pk)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(PendingActivation {
                secret: Secret::new(row.try_get("secret")?),
                expires_at: row.try_get("expires_at")?,
                session_hash: SessionHash::from_stored(row.try_get("session_hash")?),
            })
        })
        .transpose()
    }

    async fn complete_activation(
        &self,
        pk: i64,
        secret: &[u8],
        step: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let taken =
            db::query("DELETE FROM totp_activations WHERE user_pk = $1 AND expires_at > $2 AND completed_at IS NULL")
                .bind(pk)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if taken != 1 {
            return Ok(false);
        }
        activate_totp(&mut tx, pk, secret, step, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn claim_step(
        &self,
        pk: i64,
        step: i64,
        now: i64,
        honour_lock: bool,
    ) -> Result<bool, StoreError> {
        // Without `honour_lock` the lock is tested at the end of time, which every lock
        // has ended by. With it, the account's counter starts again in the same write.
        let lock_test_at = if honour_lock { now } else { i64::MAX };
        let clear = if honour_lock {
            ", totp_failures = 0, totp_locked_until = 0, totp_lock_count = 0"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE users SET totp_last_step = $1{clear} \
             WHERE id = $2 AND totp_secret IS NOT NULL AND totp_locked_until <= $3 \
               AND (totp_last_step IS NULL OR totp_last_step < $1)"
        );
        let claimed = db::query(&sql)
            .bind(step)
            .bind(pk)
            .bind(lock_test_at)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }
}
