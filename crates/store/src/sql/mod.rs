//! [`Store`] over sqlx's `Any` driver: runtime queries with `$n` placeholders, BIGINT
//! unix seconds, INTEGER 0/1 booleans, so one text serves SQLite and PostgreSQL.

use spse_domain::secret::SessionHash;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use super::*;

mod appender;
mod approvals;
mod audit;
mod clients;
mod counters;
mod devices;
mod events;
mod grants;
mod import;
mod keys;
mod notices;
mod password_change;
mod password_links;
mod scim;
mod signing_keys;

pub use notices::{Relayed, listen_for_notices};
mod mail_queue;
mod reset;
mod sessions;
mod trusted;
mod users;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Connects, and migrates when asked. SQLite runs in WAL mode with a busy timeout so
/// that concurrent writers wait instead of failing, and this process writes through one
/// connection of its own beside the readers' pool: SQLite takes one writer at a time,
/// and writers that each took a connection of the pool collided and slept in SQLite's
/// busy handler (the code step gave 459 requests/s with 8 writing connections, 1,005
/// with one). On PostgreSQL both are the same pool.
pub async fn connect(url: &str, migrate: bool) -> Result<SqlStore, StoreError> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    let pool = pool(url, sqlite, if sqlite { 8 } else { 16 }).await?;
    if migrate {
        migrator(!sqlite).run(&pool).await?;
    }
    let writer = if sqlite {
        self::pool(url, sqlite, 1).await?
    } else {
        pool.clone()
    };
    Ok(SqlStore {
        appender: appender::Appender::start(writer.clone()),
        pool,
        writer,
        postgres: !sqlite,
    })
}

async fn pool(url: &str, sqlite: bool, connections: u32) -> Result<AnyPool, StoreError> {
    let options = AnyConnectOptions::from_str(url)?;
    Ok(AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(5))
        // A pinged SQLite connection costs a round trip to its worker thread on every
        // acquire, and a file does not drop its connections; a PostgreSQL server may.
        .test_before_acquire(!sqlite)
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
        .await?)
}

fn migrator(postgres: bool) -> &'static sqlx::migrate::Migrator {
    if postgres {
        &POSTGRES_MIGRATIONS
    } else {
        &SQLITE_MIGRATIONS
    }
}

pub struct SqlStore {
    /// Reads.
    pool: AnyPool,
    /// Writes, and every transaction: on SQLite one connection, so that this process's
    /// writers queue here in order instead of colliding in the database.
    writer: AnyPool,
    /// PostgreSQL relays notices to every instance with NOTIFY; SQLite is one process.
    postgres: bool,
    /// Group commit for access-log entries appended on their own.
    appender: Option<appender::Appender>,
}

impl SqlStore {
    /// The pool, for tests and tools that inspect rows directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn heartbeat(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE heartbeat SET beat_at = $1 WHERE id = 1")
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn migrations_current(&self) -> Result<bool, StoreError> {
        let latest = migrator(self.postgres)
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(applied == Some(latest))
    }

    async fn shared_gauges(&self, now: i64) -> Result<crate::SharedGauges, StoreError> {
        let count = |sql: &'static str| {
            let pool = self.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .bind(now)
                    .fetch_one(&pool)
                    .await
            }
        };
        Ok(crate::SharedGauges {
            pending_approvals: count("SELECT COUNT(*) FROM approvals WHERE state = 'pending' AND expires_at > $1").await?,
            pending_activations: count("SELECT COUNT(*) FROM totp_activations WHERE completed_at IS NULL AND expires_at > $1").await?,
            full_sessions: count("SELECT COUNT(*) FROM sessions WHERE stage = 'full' AND expires_at > $1").await?,
            half_open_sessions: count("SELECT COUNT(*) FROM sessions WHERE stage <> 'full' AND expires_at > $1").await?,
            mail_queued: count("SELECT COUNT(*) FROM mail_queue WHERE failed = 0 AND created_at <= $1").await?,
            mail_failed: count("SELECT COUNT(*) FROM mail_queue WHERE failed <> 0 AND created_at <= $1").await?,
            locked_accounts: count("SELECT COUNT(*) FROM users WHERE password_locked_until > $1 OR totp_locked_until > $1").await?,
        })
    }

    fn pool_status(&self) -> (u32, u32) {
        (self.pool.size(), self.pool.num_idle() as u32)
    }

    async fn publish_notice(&self, session_hash: &SessionHash) -> Result<(), StoreError> {
        self.notify_instances(notices::LOGIN_CHANGED, session_hash)
            .await
    }

    async fn publish_session_end(&self, session_hash: &SessionHash) -> Result<(), StoreError> {
        self.notify_instances(notices::SESSION_ENDED, session_hash)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both databases must have the same migrations, by version and name.
    #[test]
    fn migration_folders_match() {
        let list = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        assert_eq!(list(&SQLITE_MIGRATIONS), list(&POSTGRES_MIGRATIONS));
        assert!(!list(&SQLITE_MIGRATIONS).is_empty());
    }
}
