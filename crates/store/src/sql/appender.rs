//! Group commit for access-log entries appended on their own (not inside another
//! transaction): concurrent appends of one instance go to the database as one
//! multi-row insert and one commit, so the log's appends grow with the load instead of
//! each waiting for a commit of its own. An append still returns only once its entry is
//! committed: nothing is acknowledged that a crash could lose.
//!
//! One task per store takes what is queued (up to [`MOST`] entries) whenever it is free:
//! a lone append costs one commit as before, and under load the batch grows by itself.
//! If a batch fails (an entry naming an account deleted meanwhile, say), each of its
//! entries is inserted on its own so that only the failing one's caller sees the error.

use super::db::{self, Db, DbError};
use tokio::sync::{mpsc, oneshot};

use super::events::{bind_event, insert_event_query};
use crate::{EventRecord, StoreError};

/// Entries per insert: 7 parameters each, well under SQLite's and PostgreSQL's limits.
const MOST: usize = 500;
/// Appends waiting beyond this make their callers wait to queue.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<(), StoreError>>;

pub(super) struct Appender {
    queue: mpsc::Sender<(EventRecord, Reply)>,
}

impl Appender {
    /// Starts the flushing task on the current runtime; `None` outside one.
    pub(super) fn start(writer: Db) -> Option<Self> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (queue, waiting) = mpsc::channel(QUEUE);
        runtime.spawn(flush_all(writer, waiting));
        Some(Self { queue })
    }

    pub(super) async fn append(&self, writer: &Db, event: &EventRecord) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        if self.queue.send((event.clone(), reply)).await.is_err() {
            // The task has ended (its runtime stopped): nothing was queued.
            return insert_one(writer, event).await;
        }
        // Without an answer the entry may or may not be committed: not retried, so
        // that it is never written twice.
        answer
            .await
            .unwrap_or(Err(StoreError::Database(DbError::Closed)))
    }
}

async fn flush_all(writer: Db, mut waiting: mpsc::Receiver<(EventRecord, Reply)>) {
    let mut batch = Vec::with_capacity(MOST);
    while waiting.recv_many(&mut batch, MOST).await > 0 {
        let together = batch.len() > 1 && insert_many(&writer, &batch).await.is_ok();
        for (event, reply) in batch.drain(..) {
            let result = if together {
                Ok(())
            } else {
                insert_one(&writer, &event).await
            };
            // A caller that went away no longer needs its answer.
            let _ = reply.send(result);
        }
    }
}

pub(super) async fn insert_one(writer: &Db, event: &EventRecord) -> Result<(), StoreError> {
    insert_event_query(event).execute(writer).await?;
    Ok(())
}

async fn insert_many(writer: &Db, batch: &[(EventRecord, Reply)]) -> Result<(), StoreError> {
    let values = (0..batch.len())
        .map(|i| {
            let n = i * 7;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO access_events (at, user_pk, user_id, event, ip, user_agent, detail) \
         VALUES {values}"
    );
    let mut query = db::query(&sql);
    for (event, _) in batch {
        query = bind_event(query, event);
    }
    query.execute(writer).await?;
    Ok(())
}
