//! The store contract, continued: set-password links, on SQLite and PostgreSQL.

use spse_domain::session::Stage;
use spse_store::*;

use crate::store_contract::{NOW, contract, h, user};

async fn password_hash_of(store: &SqlStore, pk: i64) -> String {
    store
        .user_by_pk(pk)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .expose()
        .clone()
}

async fn password_links(store: &SqlStore) {
    let pk = user(store, "P1").await;
    let other = user(store, "P2").await;
    for (hash, owner) in [("link-1", pk), ("link-2", pk), ("theirs", other)] {
        store
            .insert_password_link(owner, hash, "reset", NOW, NOW + 1800)
            .await
            .unwrap();
    }
    let stored = store.password_link("link-1").await.unwrap().unwrap();
    assert_eq!(
        (
            stored.user_pk,
            stored.purpose.as_str(),
            stored.expires_at,
            stored.used_at
        ),
        (pk, "reset", NOW + 1800, None)
    );
    assert!(store.password_link("nothing").await.unwrap().is_none());
    store
        .insert_session(&SessionRecord {
            id_hash: h("s-p1"),
            user_pk: Some(pk),
            claimed_user_id: "P1".into(),
            kind: spse_domain::user::UserKind::Penyedia,
            stage: Stage::Full,
            created_at: NOW,
            last_seen_at: NOW,
            expires_at: NOW + 3600,
            ip: "10.0.0.1".into(),
            user_agent: "test".into(),
            amr: String::new(),
        })
        .await
        .unwrap();

    assert!(
        !store
            .redeem_password_link(other, "link-1", NOW, "$argon2id$new")
            .await
            .unwrap(),
        "not the other user's"
    );
    assert!(
        !store
            .redeem_password_link(pk, "link-1", NOW + 1800, "$argon2id$new")
            .await
            .unwrap(),
        "expired at its deadline"
    );
    assert_eq!(password_hash_of(store, pk).await, "$argon2id$stub");

    // The same link twice at once: one wins.
    let (a, b) = tokio::join!(
        store.redeem_password_link(pk, "link-1", NOW + 1799, "$argon2id$a"),
        store.redeem_password_link(pk, "link-1", NOW + 1799, "$argon2id$b"),
    );
    assert_eq!(
        [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count(),
        1
    );
    assert!(password_hash_of(store, pk).await.starts_with("$argon2id$"));
    assert!(
        store.session(&h("s-p1")).await.unwrap().is_none(),
        "sessions end"
    );
    assert!(
        store
            .password_link("link-2")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_some(),
        "the account's other links are used up"
    );
    assert!(
        store
            .password_link("theirs")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_none(),
        "another account's are not"
    );
    assert!(store.delete_stale_resets(NOW + 1800, NOW).await.unwrap() >= 3);
    assert!(
        store.password_link("theirs").await.unwrap().is_none(),
        "swept"
    );
}
contract!(
    password_links,
    password_links_sqlite,
    password_links_postgres
);
