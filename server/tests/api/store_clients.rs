//! The store contract, continued: OpenID Connect clients, on SQLite and PostgreSQL.

use spse_store::*;

use crate::store_contract::{NOW, contract};

fn record(id: &str, secret_hash: Option<&str>) -> ClientRecord {
    ClientRecord {
        client_id: id.into(),
        name: "Daftar Paket".into(),
        secret_hash: secret_hash.map(str::to_string),
        redirect_uris: vec![
            "https://paket.lpse.go.id/cb".into(),
            "http://127.0.0.1:9000/cb?x=1".into(),
        ],
        backchannel_logout_uri: Some("https://paket.lpse.go.id/logout".into()),
        home_url: None,
        created_at: NOW,
        secret_rotated_at: None,
    }
}

async fn clients(store: &SqlStore) {
    let confidential = record("c1", Some("hash-1"));
    store.insert_client(&confidential).await.unwrap();
    assert!(matches!(
        store.insert_client(&confidential).await,
        Err(StoreError::Duplicate)
    ));
    let public = ClientRecord {
        created_at: NOW + 1,
        ..record("p1", None)
    };
    store.insert_client(&public).await.unwrap();
    assert_eq!(
        store.client("c1").await.unwrap(),
        Some(confidential.clone())
    );
    assert_eq!(store.client("C1").await.unwrap(), None, "ids match exactly");
    let listed = store.list_clients().await.unwrap();
    assert_eq!(listed, vec![confidential, public.clone()]);

    assert!(
        store
            .set_client_secret("c1", "hash-2", NOW + 5)
            .await
            .unwrap()
    );
    let rotated = store.client("c1").await.unwrap().unwrap();
    assert_eq!(rotated.secret_hash.as_deref(), Some("hash-2"));
    assert_eq!(rotated.secret_rotated_at, Some(NOW + 5));
    assert!(
        !store.set_client_secret("p1", "hash-3", NOW).await.unwrap(),
        "a public client gets no secret"
    );
    assert_eq!(store.client("p1").await.unwrap(), Some(public));

    let broken = ClientRecord {
        redirect_uris: vec!["https://a/\nhttps://b/".into()],
        ..record("c2", None)
    };
    assert!(store.insert_client(&broken).await.is_err());
    assert!(store.delete_client("c1").await.unwrap());
    assert!(!store.delete_client("c1").await.unwrap());
    assert_eq!(store.client("c1").await.unwrap(), None);
}
contract!(clients, clients_sqlite, clients_postgres);
