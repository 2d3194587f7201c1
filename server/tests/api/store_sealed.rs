//! The store contract, continued: the key check and the sealed mail queue, on SQLite and
//! PostgreSQL.

use spse_domain::secret::SessionHash;
use spse_store::*;
use sqlx::Row;

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

async fn mail_queue(store: &SqlStore) {
    let id = store
        .enqueue_mail("e1@example.go.id", "Subjek", b"sealed", Some(b"html"), NOW)
        .await
        .unwrap();
    let plain_columns = sqlx::query("SELECT text_body, html_body FROM mail_queue WHERE id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(plain_columns.get::<String, _>(0), "");
    assert_eq!(plain_columns.get::<Option<String>, _>(1), None);
    let claimed = store.claim_due_mail(NOW, NOW + 300, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
    assert_eq!(claimed[0].sealed_text, b"sealed");
    assert_eq!(claimed[0].sealed_html.as_deref(), Some(&b"html"[..]));
    assert!(
        store
            .claim_due_mail(NOW, NOW + 300, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    store.mail_failed(id, Some(NOW + 30), "down").await.unwrap();
    assert_eq!(
        store
            .claim_due_mail(NOW + 30, NOW + 330, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    store.mail_sent(id).await.unwrap();
    assert!(
        store
            .claim_due_mail(NOW + 9999, NOW + 9999, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A row as an older version queued it: plain bodies, nothing sealed. It is not sent
    // as it is, only once sealed.
    sqlx::query(
        "INSERT INTO mail_queue (recipient, subject, text_body, html_body, created_at, next_attempt_at) \
         VALUES ('e2@example.go.id', 'Lama', 'tautan', NULL, $1, $1)",
    )
    .bind(NOW)
    .execute(store.pool())
    .await
    .unwrap();
    assert!(
        store
            .claim_due_mail(NOW, NOW + 300, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let plain = store.plain_mail(10).await.unwrap();
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].text.expose(), "tautan");
    assert!(plain[0].html.is_none());
    store
        .seal_plain_mail(plain[0].id, b"sealed-now", None)
        .await
        .unwrap();
    assert!(store.plain_mail(10).await.unwrap().is_empty());
    let text: String = sqlx::query_scalar("SELECT text_body FROM mail_queue WHERE id = $1")
        .bind(plain[0].id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(text, "", "the plain body is gone");
    let claimed = store.claim_due_mail(NOW, NOW + 300, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].sealed_text, b"sealed-now");
}
contract!(mail_queue, mail_queue_sqlite, mail_queue_postgres);
