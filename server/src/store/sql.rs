//! [`Store`] over sqlx's `Any` driver: runtime queries with `$n` placeholders, BIGINT
//! unix seconds, INTEGER 0/1 booleans, so one text serves SQLite and PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::*;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Connects, and migrates when asked. SQLite runs in WAL mode with a busy timeout so
/// that concurrent writers wait instead of failing.
pub async fn connect(url: &str, migrate: bool) -> Result<SqlStore, StoreError> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    let options = AnyConnectOptions::from_str(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(if sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    if migrate {
        let migrator = if sqlite {
            &SQLITE_MIGRATIONS
        } else {
            &POSTGRES_MIGRATIONS
        };
        migrator.run(&pool).await?;
    }
    Ok(SqlStore { pool })
}

pub struct SqlStore {
    pool: AnyPool,
}

impl SqlStore {
    /// The pool, for tests and tools that inspect rows directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

const USER_COLUMNS: &str = "id, user_id, kind, email, name, role, password_hash, disabled, \
    totp_secret, totp_activated_at, totp_last_step, \
    password_failures, password_locked_until, password_lock_count, \
    totp_failures, totp_locked_until, totp_lock_count, created_at";

const SESSION_COLUMNS: &str = "id_hash, user_pk, claimed_user_id, kind, stage, created_at, last_seen_at, expires_at, ip, user_agent";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn user_from_row(row: &AnyRow) -> Result<UserRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let role: String = row.try_get("role")?;
    let lock = |prefix: &str| -> Result<LockState, sqlx::Error> {
        Ok(LockState {
            failures: row.try_get(format!("{prefix}_failures").as_str())?,
            locked_until: row.try_get(format!("{prefix}_locked_until").as_str())?,
            lock_count: row.try_get(format!("{prefix}_lock_count").as_str())?,
        })
    };
    Ok(UserRecord {
        pk: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: UserKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        totp_secret: row.try_get("totp_secret")?,
        totp_activated_at: row.try_get("totp_activated_at")?,
        totp_last_step: row.try_get("totp_last_step")?,
        password_lock: lock("password")?,
        totp_lock: lock("totp")?,
        created_at: row.try_get("created_at")?,
    })
}

fn session_from_row(row: &AnyRow) -> Result<SessionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let stage: String = row.try_get("stage")?;
    Ok(SessionRecord {
        id_hash: row.try_get("id_hash")?,
        user_pk: row.try_get("user_pk")?,
        claimed_user_id: row.try_get("claimed_user_id")?,
        kind: UserKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        stage: Stage::parse(&stage).ok_or_else(|| corrupt("stage", &stage))?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
    })
}

fn event_from_row(row: &AnyRow) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        at: row.try_get("at")?,
        user_pk: row.try_get("user_pk")?,
        user_id: row.try_get("user_id")?,
        event: row.try_get("event")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        detail: row.try_get("detail")?,
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

fn insert_session_query(
    session: &SessionRecord,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_pk, claimed_user_id, kind, stage, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&session.id_hash)
    .bind(session.user_pk)
    .bind(&session.claimed_user_id)
    .bind(session.kind.as_str())
    .bind(session.stage.as_str())
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .bind(&session.ip)
    .bind(&session.user_agent)
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn insert_user(&self, user: &NewUser, now: i64) -> Result<i64, StoreError> {
        let pk: i64 = sqlx::query_scalar(
            "INSERT INTO users (user_id, user_key, kind, email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&user.user_id)
        .bind(&user.user_key)
        .bind(user.kind.as_str())
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(pk)
    }

    async fn user_by_key(&self, user_key: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE user_key = $1");
        let row = sqlx::query(&sql)
            .bind(user_key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_pk(&self, pk: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(pk)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY user_key");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_password_hash(&self, pk: i64, hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(pk)
            .execute(&self.pool)
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
        let (failures, locked_until, lock_count) = counter_columns(factor);
        let sql = format!(
            "UPDATE users SET \
               {failures} = CASE WHEN {failures} + 1 >= $3 THEN 0 ELSE {failures} + 1 END, \
               {locked_until} = CASE WHEN {failures} + 1 >= $3 THEN $2 + $4 ELSE {locked_until} END, \
               {lock_count} = CASE WHEN {failures} + 1 >= $3 THEN {lock_count} + 1 ELSE {lock_count} END \
             WHERE id = $1 AND {locked_until} <= $2 \
             RETURNING {locked_until}"
        );
        let new_lock: Option<i64> = sqlx::query_scalar(&sql)
            .bind(pk)
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

    async fn clear_failures(&self, pk: i64, factor: Factor) -> Result<(), StoreError> {
        let (failures, locked_until, lock_count) = counter_columns(factor);
        let sql = format!(
            "UPDATE users SET {failures} = 0, {locked_until} = 0, {lock_count} = 0 WHERE id = $1"
        );
        sqlx::query(&sql).bind(pk).execute(&self.pool).await?;
        Ok(())
    }

    async fn put_activation(
        &self,
        pk: i64,
        secret: &[u8],
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM totp_activations WHERE user_pk = $1")
            .bind(pk)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO totp_activations (user_pk, secret, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(pk)
            .bind(secret.to_vec())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn activation(&self, pk: i64) -> Result<Option<PendingActivation>, StoreError> {
        let row = sqlx::query("SELECT secret, expires_at FROM totp_activations WHERE user_pk = $1")
            .bind(pk)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(PendingActivation {
                secret: row.try_get("secret")?,
                expires_at: row.try_get("expires_at")?,
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
        let mut tx = self.pool.begin().await?;
        let taken =
            sqlx::query("DELETE FROM totp_activations WHERE user_pk = $1 AND expires_at > $2")
                .bind(pk)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if taken != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_activated_at = $2, totp_last_step = $3, \
             totp_failures = 0, totp_locked_until = 0, totp_lock_count = 0 WHERE id = $4",
        )
        .bind(secret.to_vec())
        .bind(now)
        .bind(step)
        .bind(pk)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn claim_step(&self, pk: i64, step: i64) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "UPDATE users SET totp_last_step = $1 \
             WHERE id = $2 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(pk)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        insert_session_query(session).execute(&self.pool).await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1");
        let row = sqlx::query(&sql)
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn replace_session(
        &self,
        old_hash: &str,
        new: &SessionRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(old_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed != 1 {
            return Ok(false);
        }
        insert_session_query(new).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_stale_sessions(&self, now: i64, idle_secs: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle_secs)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn insert_event(&self, event: &EventRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO access_events (at, user_pk, user_id, event, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(event.at)
        .bind(event.user_pk)
        .bind(&event.user_id)
        .bind(&event.event)
        .bind(&event.ip)
        .bind(&event.user_agent)
        .bind(&event.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn events_for_user(&self, pk: i64, limit: i64) -> Result<Vec<EventRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, user_pk, user_id, event, ip, user_agent, detail FROM access_events \
             WHERE user_pk = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(pk)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}
