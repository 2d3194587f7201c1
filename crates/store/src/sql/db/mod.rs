//! The store's queries, run on SQLite in place or on PostgreSQL through sqlx.
//!
//! Every statement text serves both databases (`$n` placeholders, BIGINT unix seconds,
//! INTEGER 0/1 booleans). On PostgreSQL a query goes through sqlx's `Any` driver as
//! before. On SQLite it runs in place, on the calling thread: sqlx's SQLite driver sends
//! every statement to a worker thread of its connection and waits for the answer, and
//! on two cores those hand-overs cost more than the statements (a profile of the code
//! step put 46 % of the server's CPU on the workers' threads, most of it waking and
//! switching, and under 2 % in SQLite itself). A statement of ours on a local file takes
//! microseconds, as long as a hand-over; see `lite` for what may block and for how long.
//!
//! The interface copies the part of sqlx the store used (`query(..).bind(..)`,
//! `execute`, `fetch_*`, `Row::try_get`, `begin` and `commit`), so the store's modules
//! read as before.

mod any;
mod lite;
#[cfg(test)]
mod tests;
mod value;

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

pub(crate) use lite::Lite;
pub(crate) use value::{Decode, Index, Value};

/// What went wrong running a query.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("column {0} not in the result")]
    NoColumn(String),
    #[error("column {column}: {problem}")]
    Decode { column: String, problem: String },
    #[error("no row where one was expected")]
    NoRow,
    #[error("the database was closed")]
    Closed,
    #[error("the database stayed busy with other writes")]
    Busy,
}

impl DbError {
    /// SQLite's write lock is held by another connection.
    fn is_busy(&self) -> bool {
        matches!(self, Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy)
    }

    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Sqlx(sqlx::Error::Database(db)) => db.is_unique_violation(),
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}

/// Where queries run: the readers or the writer of a SQLite file, or a PostgreSQL pool.
#[derive(Clone)]
pub(crate) enum Db {
    Lite { lite: Arc<Lite>, writer: bool },
    Any(sqlx::AnyPool),
}

impl Db {
    /// Starts a transaction: on SQLite it holds the one writing connection until it ends.
    pub(crate) async fn begin(&self) -> Result<Tx, DbError> {
        Ok(Tx(match self {
            Self::Lite { lite, .. } => TxConn::Lite(lite.begin().await?),
            Self::Any(pool) => TxConn::Any(pool.begin().await?),
        }))
    }

    /// Connections open, and of those idle.
    pub(crate) fn status(&self) -> (u32, u32) {
        match self {
            Self::Lite { lite, .. } => lite.status(),
            Self::Any(pool) => (pool.size(), pool.num_idle() as u32),
        }
    }
}

/// A transaction; rolled back if dropped before [`Tx::commit`].
pub(crate) struct Tx(TxConn);

/// What a transaction's queries run on (`&mut *tx`).
pub(crate) enum TxConn {
    Lite(lite::LiteTx),
    Any(sqlx::Transaction<'static, sqlx::Any>),
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), DbError> {
        match self.0 {
            TxConn::Lite(tx) => tx.commit(),
            TxConn::Any(tx) => Ok(tx.commit().await?),
        }
    }
}

impl Deref for Tx {
    type Target = TxConn;
    fn deref(&self) -> &TxConn {
        &self.0
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut TxConn {
        &mut self.0
    }
}

/// Where one query runs: `&store.pool`, `&store.writer`, or `&mut *tx`.
pub(crate) enum Target<'c> {
    Db(&'c Db),
    Tx(&'c mut TxConn),
}

impl<'c> From<&'c Db> for Target<'c> {
    fn from(db: &'c Db) -> Self {
        Self::Db(db)
    }
}

impl<'c> From<&'c mut TxConn> for Target<'c> {
    fn from(tx: &'c mut TxConn) -> Self {
        Self::Tx(tx)
    }
}

/// A statement and its arguments, `$1` being the first.
pub(crate) struct Query<'q> {
    sql: &'q str,
    args: Vec<Value>,
}

pub(crate) fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

/// What a statement that returns no rows did.
#[derive(Debug)]
pub(crate) struct Done {
    rows_affected: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// What to read of a statement's result.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fetch {
    One,
    All,
}

impl<'q> Query<'q> {
    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    pub(crate) async fn execute<'c>(self, on: impl Into<Target<'c>>) -> Result<Done, DbError> {
        match on.into() {
            Target::Db(Db::Lite { lite, writer }) => {
                if *writer {
                    lite.write(|conn| lite::execute(conn, &self)).await
                } else {
                    lite.read(|conn| lite::execute(conn, &self))
                }
            }
            Target::Db(Db::Any(pool)) => any::execute(pool, &self).await,
            Target::Tx(TxConn::Lite(tx)) => lite::execute(tx.conn(), &self),
            Target::Tx(TxConn::Any(tx)) => any::execute(&mut **tx, &self).await,
        }
    }

    async fn rows<'c>(self, on: impl Into<Target<'c>>, fetch: Fetch) -> Result<Vec<Row>, DbError> {
        match on.into() {
            Target::Db(Db::Lite { lite, writer }) => {
                if *writer {
                    lite.write(|conn| lite::rows(conn, &self, fetch)).await
                } else {
                    lite.read(|conn| lite::rows(conn, &self, fetch))
                }
            }
            Target::Db(Db::Any(pool)) => any::rows(pool, &self, fetch).await,
            Target::Tx(TxConn::Lite(tx)) => lite::rows(tx.conn(), &self, fetch),
            Target::Tx(TxConn::Any(tx)) => any::rows(&mut **tx, &self, fetch).await,
        }
    }

    pub(crate) async fn fetch_optional<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Option<Row>, DbError> {
        Ok(self.rows(on, Fetch::One).await?.pop())
    }

    pub(crate) async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<Row, DbError> {
        self.fetch_optional(on).await?.ok_or(DbError::NoRow)
    }

    pub(crate) async fn fetch_all<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Vec<Row>, DbError> {
        self.rows(on, Fetch::All).await
    }
}

/// A query whose rows are one value each.
pub(crate) struct QueryScalar<'q, T> {
    query: Query<'q>,
    out: PhantomData<T>,
}

pub(crate) fn query_scalar<T: Decode>(sql: &str) -> QueryScalar<'_, T> {
    QueryScalar {
        query: query(sql),
        out: PhantomData,
    }
}

impl<'q, T: Decode> QueryScalar<'q, T> {
    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub(crate) async fn fetch_optional<'c>(
        self,
        on: impl Into<Target<'c>>,
    ) -> Result<Option<T>, DbError> {
        self.query
            .fetch_optional(on)
            .await?
            .map(|row| row.try_get(0))
            .transpose()
    }

    pub(crate) async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<T, DbError> {
        self.query.fetch_one(on).await?.try_get(0)
    }

    pub(crate) async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<T>, DbError> {
        self.query
            .fetch_all(on)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect()
    }
}

/// One row of a result.
pub(crate) enum Row {
    Lite(lite::LiteRow),
    Any(sqlx::any::AnyRow),
}

impl Row {
    /// The value of a column, by name or position.
    pub(crate) fn try_get<T: Decode, I: Index>(&self, index: I) -> Result<T, DbError> {
        match self {
            Self::Lite(row) => row.try_get(index),
            Self::Any(row) => Ok(sqlx::Row::try_get(row, index)?),
        }
    }
}
