//! [`Store`] over sqlx's `Any` driver: runtime queries with `$n` placeholders, BIGINT
//! unix seconds, INTEGER 0/1 booleans, so one text serves SQLite and PostgreSQL.

use spse_domain::secret::SessionHash;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use super::*;
use db::Db;
pub use db::DbError;

mod appender;
mod approvals;
mod audit;
mod clients;
mod counters;
mod db;
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

/// Connects, and migrates when asked. On SQLite (WAL mode, a busy timeout) queries run
/// in place (see `db`), and this process writes through one connection of its own beside
/// the readers: SQLite takes one writer at a time, and writers that each took a
/// connection collided and slept in SQLite's busy handler (the code step gave 459
/// requests/s with 8 writing connections, 1,005 with one). On PostgreSQL both are the
/// same pool.
pub async fn connect(url: &str, migrate: bool) -> Result<SqlStore, StoreError> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    // On SQLite this pool only migrates, and serves tests that inspect rows: it
    // connects when first used.
    let inspect = pool(url, sqlite, if sqlite { 2 } else { 16 }).await?;
    if migrate {
        migrator(!sqlite).run(&inspect).await?;
    }
    let (pool, writer) = if sqlite {
        let lite = Arc::new(db::Lite::open(url)?);
        (
            Db::Lite {
                lite: Arc::clone(&lite),
                writer: false,
            },
            Db::Lite { lite, writer: true },
        )
    } else {
        (Db::Any(inspect.clone()), Db::Any(inspect.clone()))
    };
    Ok(SqlStore {
        appender: appender::Appender::start(writer.clone()),
        pool,
        writer,
        inspect,
        postgres: !sqlite,
    })
}

async fn pool(url: &str, sqlite: bool, connections: u32) -> Result<AnyPool, StoreError> {
    let options = AnyConnectOptions::from_str(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(5))
        // A file does not drop its connections as a PostgreSQL server may.
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
        });
    Ok(if sqlite {
        pool.connect_lazy_with(options)
    } else {
        pool.connect_with(options).await?
    })
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
    pool: Db,
    /// Writes, and every transaction: on SQLite one connection, so that this process's
    /// writers queue here in order instead of colliding in the database.
    writer: Db,
    /// sqlx's pool on the same database, for tests and tools that inspect rows.
    inspect: AnyPool,
    /// PostgreSQL relays notices to every instance with NOTIFY; SQLite is one process.
    postgres: bool,
    /// Group commit for access-log entries appended on their own.
    appender: Option<appender::Appender>,
}

impl SqlStore {
    /// The pool, for tests and tools that inspect rows directly.
    pub fn pool(&self) -> &AnyPool {
        &self.inspect
    }
}

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        db::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn heartbeat(&self, now: i64) -> Result<(), StoreError> {
        db::query("UPDATE heartbeat SET beat_at = $1 WHERE id = 1")
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
            db::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(applied == Some(latest))
    }

    async fn shared_gauges(&self, now: i64) -> Result<crate::SharedGauges, StoreError> {
        let count = |sql: &'static str| {
            let pool = self.pool.clone();
            async move {
                db::query_scalar::<i64>(sql)
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
        self.pool.status()
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
