//! `spse-bench --log-appends`: access-log appends per second on PostgreSQL with two
//! instances (two stores, each its own pool and sealer) and 32 writers, today's way
//! (a plain insert; one sealer at a time lists them in sealed batches) beside the way before issue 15
//! (each append took the chain's head row in its own transaction), issued as SQL here.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use spse_domain::event::EventName;
use spse_store::{AuditStore, EventRecord, EventStore, SealRound, SqlStore, connect};

use crate::server::PostgresDatabase;

const WRITERS: usize = 32;
const INSTANCES: usize = 2;

fn entry(n: u64) -> EventRecord {
    EventRecord {
        at: 1_800_000_000 + n as i64,
        user_pk: None,
        user_id: format!("U{n}"),
        event: EventName::from_stored("password_wrong".to_string()),
        ip: "127.0.0.1".into(),
        user_agent: "spse-bench".into(),
        detail: String::new(),
    }
}

/// The append of the versions before: head row first, entry, head hash, commit.
async fn chained_append(store: &SqlStore, n: u64) -> anyhow::Result<()> {
    let mut tx = store.pool().begin().await?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE audit_chain SET head_seq = head_seq + 1 WHERE id = 1 RETURNING head_seq",
    )
    .fetch_one(&mut *tx)
    .await?;
    let e = entry(n);
    sqlx::query(
        "INSERT INTO access_events (seq, hash, at, user_pk, user_id, event, ip, user_agent, detail) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, '')",
    )
    .bind(seq)
    .bind(format!("{seq:064x}"))
    .bind(e.at)
    .bind(&e.user_id)
    .bind(e.event.as_str())
    .bind(&e.ip)
    .bind(&e.user_agent)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE audit_chain SET head_hash = $1 WHERE id = 1")
        .bind(format!("{seq:064x}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Appends per second over `duration` from [`WRITERS`] tasks spread over the stores.
async fn rate(stores: &[Arc<SqlStore>], chained: bool, duration: Duration) -> anyhow::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(&stores[w % stores.len()]);
        let (done, stop) = (Arc::clone(&done), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let mut n = (w as u64) << 32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                if chained {
                    chained_append(&store, n).await?;
                } else {
                    store.insert_event(&entry(n)).await?;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let count = done.load(Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    for task in tasks {
        task.await??;
    }
    Ok(count as f64 / elapsed)
}

pub async fn run(admin_url: &str, duration: Duration) -> anyhow::Result<()> {
    let database = PostgresDatabase::create(admin_url)?;
    let mut stores = Vec::new();
    for i in 0..INSTANCES {
        stores.push(Arc::new(connect(&database.url, i == 0).await?));
    }
    let chained = rate(&stores, true, duration).await?;
    // Today's way, with each instance's sealer running as the server runs it.
    let stop = Arc::new(AtomicBool::new(false));
    let sealers: Vec<_> = stores
        .iter()
        .map(|store| {
            let (store, stop) = (Arc::clone(store), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut sealed = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    let n = match store.seal_round(1000).await? {
                        SealRound::Sealed(n) => n,
                        _ => 0,
                    };
                    sealed += n;
                    if n < 1000 {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                }
                anyhow::Ok(sealed)
            })
        })
        .collect();
    let plain = rate(&stores, false, duration).await?;
    stop.store(true, Ordering::Relaxed);
    let mut sealed = 0;
    for sealer in sealers {
        sealed += sealer.await??;
    }
    let (left, _) = stores[0].unsealed().await?;
    println!(
        "access-log appends/s, PostgreSQL, {INSTANCES} instances, {WRITERS} writers, {} s each:",
        duration.as_secs()
    );
    println!("  chained in each append (before): {chained:>8.0}");
    println!(
        "  appended, sealed in batches:     {plain:>8.0}  ({:.1}x; {sealed} sealed meanwhile, {left} left for the next batch)",
        plain / chained
    );
    Ok(())
}
