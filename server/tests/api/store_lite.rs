//! SQLite in place: queries run on the calling thread, so a write that finds SQLite's
//! write lock held by another process must wait without holding that thread. These run
//! on tokio's single-threaded test runtime, where a write that blocked its thread would
//! stop every other task too.

use spse_store::*;
use sqlx::{AnyConnection, Connection, Executor};

use crate::store_contract::{NOW, fresh, user};

/// Another process's transaction, holding SQLite's write lock until it ends.
async fn writer_elsewhere(store: &SqlStore) -> AnyConnection {
    let url = store.pool().connect_options().database_url.to_string();
    let mut other = AnyConnection::connect(&url).await.unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    other
}

#[tokio::test]
async fn a_write_waiting_for_another_process_leaves_reads_going() {
    let (store, _db, _dir) = fresh(false).await;
    let store = std::sync::Arc::new(store);
    let pk = user(&store, "L1").await;
    let mut other = writer_elsewhere(&store).await;

    let waiting = tokio::spawn({
        let store = store.clone();
        async move { store.set_password_hash(pk, "changed").await }
    });
    // The write has tried and found the lock taken; it is waiting.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!waiting.is_finished(), "the lock is still held elsewhere");
    let read = store.user_by_pk(pk).await.unwrap().unwrap();
    assert_eq!(
        read.password_hash.expose(),
        "$argon2id$stub",
        "reads go on meanwhile"
    );

    other.execute("COMMIT").await.unwrap();
    waiting.await.unwrap().unwrap();
    let read = store.user_by_pk(pk).await.unwrap().unwrap();
    assert_eq!(
        read.password_hash.expose(),
        "changed",
        "the write went through after"
    );
}

/// A transaction waits the same way to begin, and then does all it was asked.
#[tokio::test]
async fn a_transaction_waiting_for_another_process_begins_once_it_ends() {
    let (store, _db, _dir) = fresh(false).await;
    let store = std::sync::Arc::new(store);
    let pk = user(&store, "L2").await;
    let session = |hash: &str, stage| SessionRecord {
        id_hash: crate::store_contract::h(hash),
        user_pk: Some(pk),
        claimed_user_id: "L2".into(),
        kind: spse_domain::user::UserKind::Penyedia,
        stage,
        created_at: NOW,
        last_seen_at: NOW,
        expires_at: NOW + 600,
        ip: "127.0.0.1".into(),
        user_agent: "lite".into(),
        amr: String::new(),
    };
    use spse_domain::session::Stage;
    store
        .insert_session(&session("l1", Stage::PasswordOk))
        .await
        .unwrap();
    let mut other = writer_elsewhere(&store).await;
    let waiting = tokio::spawn({
        let store = store.clone();
        let new = session("l2", Stage::Full);
        async move {
            store
                .replace_session(&crate::store_contract::h("l1"), &new)
                .await
        }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!waiting.is_finished());
    assert!(
        store
            .session(&crate::store_contract::h("l1"))
            .await
            .unwrap()
            .is_some(),
        "read while the transaction waits"
    );
    other.execute("ROLLBACK").await.unwrap();
    assert!(waiting.await.unwrap().unwrap(), "the old session was there");
    assert!(
        store
            .session(&crate::store_contract::h("l1"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .session(&crate::store_contract::h("l2"))
            .await
            .unwrap()
            .unwrap()
            .stage,
        Stage::Full
    );
}
