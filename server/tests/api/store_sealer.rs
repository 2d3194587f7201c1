//! The access log's appends and its sealer, directly against the store: appends never
//! wait for the chain, the sealer gives them contiguous places in batches, and on
//! PostgreSQL a second instance's sealer steps aside instead of queueing.

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
    assert_eq!(store.seal_unchained(2).await.unwrap(), 2, "one batch");
    assert_eq!(store.seal_unchained(10).await.unwrap(), 3);
    assert_eq!(store.seal_unchained(10).await.unwrap(), 0);
    assert_eq!(store.unsealed().await.unwrap(), (0, None));
    let rows = store
        .chain_rows(&EventFilter::default(), 0, 10)
        .await
        .unwrap();
    let order: Vec<_> = rows
        .iter()
        .map(|r| (r.seq, r.event.user_id.clone()))
        .collect();
    assert_eq!(
        order,
        (0..5).map(|n| (n + 1, format!("U{n}"))).collect::<Vec<_>>(),
        "contiguous places, in the order written"
    );
    assert_eq!(store.chain_state().await.unwrap().head_seq, 5);
}
contract!(sealed_in_batches, sealed_sqlite, sealed_postgres);

/// Two instances on one PostgreSQL database. While one holds the chain (sealing, for
/// as long as it likes), the other still appends at once, and its sealer returns at
/// once instead of waiting for the first one's commit.
#[tokio::test]
async fn appends_and_a_second_sealer_do_not_wait_for_the_chain_postgres() {
    if skip_without_postgres() {
        return;
    }
    let (_db, url) = TestDatabase::create(true).await;
    let url = url.expect("a PostgreSQL database");
    let first = connect(&url, true).await.unwrap();
    let second = connect(&url, false).await.unwrap();
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
    let sealed = tokio::time::timeout(quick, second.seal_unchained(100))
        .await
        .expect("the second sealer steps aside at once")
        .unwrap();
    assert_eq!(sealed, 0);

    tx.rollback().await.unwrap();
    assert_eq!(second.seal_unchained(100).await.unwrap(), 2);
}
