//! SQLite in place: statements run on the calling thread, on connections of this
//! process to one file in WAL mode.
//!
//! Readers take an idle connection of their own, read and give it back, without an
//! await in between; WAL lets them read while a write goes on. Every write and every
//! transaction of this process goes through one writing connection, held by an async
//! lock, so this process's writers queue in order instead of colliding in SQLite's
//! busy handler; a transaction starts with `BEGIN IMMEDIATE`, which takes SQLite's write
//! lock at once or waits for it there.
//!
//! What may block the calling thread: a statement (microseconds for the store's, which
//! all use an index; more for maintenance such as retention over a large log), and the
//! automatic checkpoint that folds the WAL back into the file, which the commit that
//! crosses its threshold runs. A write that finds SQLite's write lock taken by another
//! process (an admin command importing accounts, say) does not block: it waits
//! asynchronously and tries again, up to the busy timeout, while reads go on.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use super::{DbError, Fetch, Index, Query, Value};

/// How long a write waits for another process's write lock, or for this process's
/// writing connection, before failing (as sqlx's pool waited for a connection).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest pause between two tries at a write lock another process holds.
const BUSY_PAUSE: Duration = Duration::from_millis(20);
/// Statements kept prepared per connection: more than the store has.
const STATEMENT_CACHE: usize = 256;
/// Idle readers kept open.
const IDLE_READERS: usize = 16;

/// One SQLite file: its writing connection and a pool of readers.
pub(crate) struct Lite {
    path: PathBuf,
    flags: OpenFlags,
    writer: Arc<AsyncMutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

impl Lite {
    /// Opens `sqlite://PATH?mode=...` (or `sqlite:PATH`), as sqlx reads such a URL: `rwc`
    /// creates the file, `rw` (the default) needs it, `ro` only reads.
    pub(crate) fn open(url: &str) -> Result<Self, DbError> {
        let (path, flags) = parse_url(url)?;
        let writer = connect(&path, flags)?;
        // The writer waits for another process's lock in `busy_retry`, not in SQLite.
        writer.busy_timeout(Duration::ZERO)?;
        writer.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        // Later connections need not create the file.
        let flags = flags - OpenFlags::SQLITE_OPEN_CREATE;
        Ok(Self {
            path,
            flags,
            writer: Arc::new(AsyncMutex::new(writer)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Runs `read` on an idle reader, or on a new one when all are in use.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => connect(&self.path, self.flags)?,
        };
        let out = read(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if readers.len() < IDLE_READERS {
            readers.push(conn);
        }
        out
    }

    /// Runs `write` on the writing connection once it is free.
    pub(crate) async fn write<T>(
        &self,
        mut write: impl FnMut(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut conn = self.writer_until(deadline).await?;
        busy_retry(deadline, &mut conn, |conn| write(conn)).await
    }

    pub(crate) async fn begin(&self) -> Result<LiteTx, DbError> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut conn = self.writer_until(deadline).await?;
        busy_retry(deadline, &mut conn, |conn| {
            Ok(conn.execute_batch("BEGIN IMMEDIATE")?)
        })
        .await?;
        Ok(LiteTx { conn, open: true })
    }

    /// The writing connection, once this process's writer before has finished.
    async fn writer_until(
        &self,
        deadline: Instant,
    ) -> Result<OwnedMutexGuard<Connection>, DbError> {
        if let Ok(conn) = Arc::clone(&self.writer).try_lock_owned() {
            return Ok(conn);
        }
        tokio::time::timeout_at(deadline.into(), Arc::clone(&self.writer).lock_owned())
            .await
            .map_err(|_| DbError::Busy)
    }

    /// Connections open (the writer and the idle readers), and of those idle.
    pub(crate) fn status(&self) -> (u32, u32) {
        let idle_readers = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len() as u32;
        let writer_idle = u32::from(self.writer.try_lock().is_ok());
        (idle_readers + 1, idle_readers + writer_idle)
    }
}

/// Runs `attempt` on `conn` again, pausing in between, while another process holds
/// SQLite's write lock; until `deadline`.
async fn busy_retry<T>(
    deadline: Instant,
    conn: &mut OwnedMutexGuard<Connection>,
    mut attempt: impl FnMut(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let mut pause = Duration::from_millis(1);
    loop {
        match attempt(conn) {
            Err(e) if e.is_busy() && Instant::now() + pause < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(BUSY_PAUSE);
            }
            Err(e) if e.is_busy() => return Err(DbError::Busy),
            done => return done,
        }
    }
}

pub(super) fn parse_url(url: &str) -> Result<(PathBuf, OpenFlags), DbError> {
    let bad =
        |why: &str| DbError::Sqlite(rusqlite::Error::InvalidPath(format!("{url}: {why}").into()));
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| bad("not a sqlite: URL"))?;
    let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(bad("a file is needed"));
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE;
    for option in options.split('&').filter(|o| !o.is_empty()) {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        flags = match (key, value) {
            ("mode", "rwc") => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            ("mode", "rw") => OpenFlags::SQLITE_OPEN_READ_WRITE,
            ("mode", "ro") => OpenFlags::SQLITE_OPEN_READ_ONLY,
            _ => return Err(bad(&format!("unknown option {key}={value}"))),
        };
    }
    let path = percent_decode(path).map_err(|_| bad("the path is not UTF-8"))?;
    Ok((PathBuf::from(path), flags | OpenFlags::SQLITE_OPEN_NO_MUTEX))
}

fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

fn connect(path: &PathBuf, flags: OpenFlags) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// A transaction on the writing connection, which it holds until it ends.
pub(crate) struct LiteTx {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
}

impl LiteTx {
    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(super) fn commit(mut self) -> Result<(), DbError> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        // Not committed (an error, or the request went away): nothing of it stays. A
        // failing COMMIT may already have ended it, so a failing ROLLBACK says nothing.
        if self.open && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Binds `$n` to the n-th argument wherever it stands (SQLite numbers named parameters
/// in the order they first appear).
fn prepared<'c>(
    conn: &'c Connection,
    query: &Query<'_>,
) -> Result<rusqlite::CachedStatement<'c>, DbError> {
    let mut statement = conn.prepare_cached(query.sql)?;
    for index in 1..=statement.parameter_count() {
        let name = statement.parameter_name(index);
        let n = match name.and_then(|n| n.strip_prefix('$').or_else(|| n.strip_prefix('?'))) {
            Some(number) => number.parse::<usize>().map_err(|_| {
                DbError::Sqlite(rusqlite::Error::InvalidParameterName(number.to_string()))
            })?,
            None => index,
        };
        let value = query.args.get(n.wrapping_sub(1)).ok_or(DbError::Sqlite(
            rusqlite::Error::InvalidParameterCount(n, query.args.len()),
        ))?;
        statement.raw_bind_parameter(index, value)?;
    }
    Ok(statement)
}

pub(super) fn execute(conn: &Connection, query: &Query<'_>) -> Result<super::Done, DbError> {
    let mut statement = prepared(conn, query)?;
    let mut rows = statement.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    // `changes` is the last insert, update or delete's count, whatever ran since.
    let rows_affected = if statement.readonly() {
        0
    } else {
        conn.changes()
    };
    Ok(super::Done { rows_affected })
}

pub(super) fn rows(
    conn: &Connection,
    query: &Query<'_>,
    fetch: Fetch,
) -> Result<Vec<super::Row>, DbError> {
    let mut statement = prepared(conn, query)?;
    let columns: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let width = columns.len();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..width)
            .map(|i| {
                let value = row.get_ref(i)?;
                Value::read(value).map_err(|e| DbError::Sqlite(rusqlite::Error::Utf8Error(e)))
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        out.push(super::Row::Lite(LiteRow {
            columns: Arc::clone(&columns),
            values,
        }));
        if fetch == Fetch::One {
            break;
        }
    }
    Ok(out)
}

/// A row copied out of SQLite.
pub(crate) struct LiteRow {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl LiteRow {
    pub(super) fn try_get<T: super::Decode, I: Index>(&self, index: I) -> Result<T, DbError> {
        let position = index
            .position(&self.columns)
            .ok_or_else(|| DbError::NoColumn(index.to_string()))?;
        T::from_lite(self.values[position].clone()).map_err(|found| DbError::Decode {
            column: index.to_string(),
            problem: format!(
                "found {found}, which is not a {}",
                std::any::type_name::<T>()
            ),
        })
    }
}
