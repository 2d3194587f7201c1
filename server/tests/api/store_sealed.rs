//! The store contract, continued: the key check, on SQLite and PostgreSQL.

use spse_domain::secret::SessionHash;
use spse_store::*;

use crate::store_contract::{NOW, contract, user};

async fn key_check_and_sample(store: &SqlStore) {
    assert_eq!(store.key_check().await.unwrap(), None);
    assert!(store.sealed_sample().await.unwrap().is_none());
    assert_eq!(store.record_key_check("first", NOW).await.unwrap(), "first");
    assert_eq!(
        store.record_key_check("second", NOW + 1).await.unwrap(),
        "first",
        "the first record stays; a later one reads it back"
    );
    assert_eq!(store.key_check().await.unwrap().as_deref(), Some("first"));

    let pending_pk = user(store, "K1").await;
    store
        .put_activation(&NewActivation {
            user_pk: pending_pk,
            secret: vec![4, 5].into(),
            enroll_hash: "enroll".into(),
            session_hash: SessionHash::from_stored("s".into()),
            created_at: NOW,
            expires_at: NOW + 900,
        })
        .await
        .unwrap();
    let sample = store.sealed_sample().await.unwrap().unwrap();
    assert_eq!((sample.user_pk, sample.pending), (pending_pk, true));
    assert_eq!(*sample.sealed.expose(), vec![4, 5]);
    assert!(
        store
            .complete_activation(pending_pk, &[9], 100, NOW)
            .await
            .unwrap()
    );
    let sample = store.sealed_sample().await.unwrap().unwrap();
    assert_eq!((sample.user_pk, sample.pending), (pending_pk, false));
    assert_eq!(*sample.sealed.expose(), vec![9]);
}
contract!(key_check_and_sample, key_check_sqlite, key_check_postgres);
