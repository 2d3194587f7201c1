//! The access log's appends and its sealer, directly against the store: appends never
//! wait for the chain, the sealer lists them in batches with contiguous places and
//! leaves the rows as written, a PostgreSQL sealer never seals past an entry a running
//! transaction may still commit, and a second instance's sealer steps aside instead of
//! queueing.

use spse_domain::event::EventName;
use spse_store::*;

use crate::database::{TestDatabase, skip_without_postgres};
use crate::store_contract::{NOW, contract};

fn entry(n: i64) -> EventRecord {
    EventRecord {
        at: NOW + n,
        user_pk: None,
        user_id: format!("U{n}"),
        event: EventName::from_stored("password_wrong".to_string()),
        ip: "127.0.0.1".into(),
        user_agent: "ua".into(),
        detail: String::new(),
    }
}

async fn sealed_in_batches(store: &SqlStore) {
    for n in 0..5 {
        store.insert_event(&entry(n)).await.unwrap();
    }
    assert_eq!(store.unsealed().await.unwrap(), (5, Some(NOW)));
    assert_eq!(store.chain_state().await.unwrap().head_seq, 0, "not yet");
    assert_eq!(
        store.seal_round(2).await.unwrap(),
        SealRound::Sealed(2),
        "one batch"
    );
    assert_eq!(store.seal_round(10).await.unwrap(), SealRound::Sealed(3));
    assert_eq!(store.seal_round(10).await.unwrap(), SealRound::Idle);
    assert_eq!(store.unsealed().await.unwrap(), (0, None));
    let batches = store.seal_batches(0, 10).await.unwrap();
    let shape: Vec<_> = batches
        .iter()
        .map(|b| (b.batch, b.first_seq, b.entries.len()))
        .collect();
    assert_eq!(shape, [(1, 1, 2), (2, 3, 3)], "contiguous places");
    let rows = store
        .batch_rows(&EventFilter::default(), i64::MIN, batches[1].last_id, 10)
        .await
        .unwrap();
    let listed: Vec<_> = batches.iter().flat_map(|b| &b.entries).collect();
    let order: Vec<_> = rows.iter().map(|(_, e)| e.user_id.clone()).collect();
    assert_eq!(
        order,
        (0..5).map(|n| format!("U{n}")).collect::<Vec<_>>(),
        "in the order written"
    );
    assert!(
        rows.iter().zip(&listed).all(|((id, _), e)| *id == e.id),
        "each listed by its row id"
    );
    let state = store.chain_state().await.unwrap();
    assert_eq!((state.head_seq, state.head_batch), (5, 2));
    assert_eq!(state.head_hash, listed[4].hash);
    assert!(
        store
            .chain_rows(&EventFilter::default(), 0, 10)
            .await
            .unwrap()
            .is_empty(),
        "no row was rewritten with a place of its own"
    );
}
contract!(sealed_in_batches, sealed_sqlite, sealed_postgres);

async fn two_instances() -> (TestDatabase, SqlStore, SqlStore) {
    let (db, url) = TestDatabase::create(true).await;
    let url = url.expect("a PostgreSQL database");
    let first = connect(&url, true).await.unwrap();
    let second = connect(&url, false).await.unwrap();
    (db, first, second)
}

/// Two instances on one PostgreSQL database. While one holds the chain (sealing, for
/// as long as it likes), the other still appends at once, and its sealer returns at
/// once instead of waiting for the first one's commit.
#[tokio::test]
async fn appends_and_a_second_sealer_do_not_wait_for_the_chain_postgres() {
    if skip_without_postgres() {
        return;
    }
    let (_db, first, second) = two_instances().await;
    first.insert_event(&entry(0)).await.unwrap();

    // The first instance's sealer, stopped half-way: it holds the advisory lock and the
    // chain's head row.
    let mut tx = first.pool().begin().await.unwrap();
    let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(0x0053_5053_456c_6f67_i64)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(ours);
    sqlx::query("UPDATE audit_chain SET head_seq = head_seq WHERE id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();

    let quick = std::time::Duration::from_secs(2);
    tokio::time::timeout(quick, second.insert_event(&entry(1)))
        .await
        .expect("an append does not wait for the chain")
        .unwrap();
    let round = tokio::time::timeout(quick, second.seal_round(100))
        .await
        .expect("the second sealer steps aside at once")
        .unwrap();
    assert_eq!(round, SealRound::Busy);

    tx.rollback().await.unwrap();
    assert_eq!(second.seal_round(100).await.unwrap(), SealRound::Sealed(2));
}

/// An entry whose transaction commits after later entries were committed is not left
/// behind a batch that covers its id: the sealer waits for that transaction, then
/// seals both in id order. With nothing writing, it seals at once (the test above).
#[tokio::test]
async fn the_sealer_waits_for_a_transaction_still_writing_an_entry_postgres() {
    if skip_without_postgres() {
        return;
    }
    let (_db, first, second) = two_instances().await;
    let mut slow = first.pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO access_events (at, user_pk, user_id, event, ip, user_agent, detail) \
         VALUES ($1, NULL, 'SLOW', 'password_wrong', '127.0.0.1', 'ua', '')",
    )
    .bind(NOW)
    .execute(&mut *slow)
    .await
    .unwrap();
    second.insert_event(&entry(1)).await.unwrap();

    // The end noted now is past the slow entry's id, which is not committed yet.
    assert_eq!(second.seal_round(100).await.unwrap(), SealRound::Waiting);
    assert_eq!(
        second.seal_round(100).await.unwrap(),
        SealRound::Waiting,
        "its transaction still runs"
    );
    slow.commit().await.unwrap();
    assert_eq!(second.seal_round(100).await.unwrap(), SealRound::Sealed(2));
    let batch = &second.seal_batches(0, 10).await.unwrap()[0];
    let rows = second
        .batch_rows(&EventFilter::default(), i64::MIN, batch.last_id, 10)
        .await
        .unwrap();
    let names: Vec<_> = rows.iter().map(|(_, e)| e.user_id.as_str()).collect();
    assert_eq!(names, ["SLOW", "U1"], "both, in id order");
    assert_eq!(second.unsealed().await.unwrap(), (0, None));
}

/// Appends made at the same moment go to the database together, and each caller hears
/// about its own entry: one naming an account that does not exist fails alone, and every
/// other is committed by the time its call returns.
async fn concurrent_appends_answer_each_caller(store: &SqlStore) {
    let appends = (0..60).map(|n| {
        let mut e = entry(n);
        if n == 30 {
            e.user_pk = Some(999_999);
        }
        async move { (n, store.insert_event(&e).await) }
    });
    let results = futures::future::join_all(appends).await;
    for (n, result) in &results {
        assert_eq!(result.is_err(), *n == 30, "append {n}: {result:?}");
    }
    let (waiting, _) = store.unsealed().await.unwrap();
    assert_eq!(waiting, 59, "every other entry is there");
}
contract!(
    concurrent_appends_answer_each_caller,
    appends_answered_sqlite,
    appends_answered_postgres
);
