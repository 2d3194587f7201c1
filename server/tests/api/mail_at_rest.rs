//! Queued mail carries reset links and codes: it waits sealed with the server's key,
//! bound to its recipient, and is deleted once delivered.

use spse_domain::user::UserKind;
use sqlx::Row;

use crate::helpers::*;
use crate::reset::{SUBJECT, request_reset};
use crate::smtp_sink::{SmtpSink, reset_link};

const EMAIL: &str = "ppk30@lpse.example.go.id";

/// The queued row as the database holds it: every column that could carry the body.
struct QueuedRow {
    id: i64,
    text_body: String,
    html_body: Option<String>,
    sealed: Vec<u8>,
    retry_at: i64,
}

async fn queued_row(app: &TestApp) -> QueuedRow {
    let row = sqlx::query(
        "SELECT id, text_body, html_body, sealed_text, sealed_html, next_attempt_at FROM mail_queue",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut sealed: Vec<u8> = row.get::<Option<Vec<u8>>, _>(3).unwrap_or_default();
    sealed.extend(row.get::<Option<Vec<u8>>, _>(4).unwrap_or_default());
    QueuedRow {
        id: row.get(0),
        text_body: row.get(1),
        html_body: row.get(2),
        sealed,
        retry_at: row.get(5),
    }
}

/// An app whose SMTP server is down, with one reset mail queued and tried once.
async fn reset_mail_queued_while_smtp_is_down() -> (TestApp, u16) {
    let port = spse_testkit::free_port();
    let app = spawn_with(|raw| raw.set("smtp_url", format!("smtp://127.0.0.1:{port}"))).await;
    app.add_user("PPK30", UserKind::NonPenyedia).await;
    request_reset(&app.browser(), "PPK30", EMAIL, "non-penyedia").await;
    app.auth.deliver_due_mail().await.unwrap();
    assert_eq!(app.queued_mail().await, 1);
    (app, port)
}

#[tokio::test]
async fn a_reset_mail_waits_sealed_and_is_delivered_when_smtp_is_back() {
    let (app, port) = reset_mail_queued_while_smtp_is_down().await;
    let row = queued_row(&app).await;
    assert_eq!(row.text_body, "", "no plain body");
    assert_eq!(row.html_body, None);
    assert!(!row.sealed.is_empty());
    let sealed = String::from_utf8_lossy(&row.sealed).into_owned();
    for word in ["resettotp", "kode=", "PPK30", &app.base] {
        assert!(!sealed.contains(word), "{word:?} readable in the row");
    }

    let sink = SmtpSink::start_on(port).await;
    app.clock.set(row.retry_at);
    let mails = sink.wait_for(SUBJECT, 1, &app).await;
    let link = reset_link(&mails[0].data);
    let code = link.split("kode=").nth(1).expect("a code in the link");
    assert!(code.len() >= 32, "{link}");
    assert!(!sealed.contains(code), "the code was not in the row");
    assert!(!sealed.contains(&link));
    eventually("the delivered mail's row to be deleted", || async {
        match app.queued_mail().await {
            0 => Ok(()),
            queued => Err(format!("{queued} queued")),
        }
    })
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM mail_queue").await, 0);
}

/// Whoever can write the database cannot send the link to themselves: the body is
/// bound to the recipient it was sealed for.
#[tokio::test]
async fn a_queued_mail_redirected_to_another_address_is_not_sent() {
    let (app, port) = reset_mail_queued_while_smtp_is_down().await;
    let row = queued_row(&app).await;
    sqlx::query("UPDATE mail_queue SET recipient = 'penyerang@example.com' WHERE id = $1")
        .bind(row.id)
        .execute(&app.db)
        .await
        .unwrap();
    let sink = SmtpSink::start_on(port).await;
    app.clock.set(row.retry_at);
    eventually("the redirected mail to be given up", || async {
        app.auth.deliver_due_mail().await.unwrap();
        let failed = app
            .count("SELECT COUNT(*) FROM mail_queue WHERE failed <> 0")
            .await;
        if failed == 1 { Ok(()) } else { Err(failed) }
    })
    .await;
    assert!(sink.messages().is_empty(), "{:?}", sink.messages());
}

/// A row an older version queued in plain text is sealed when the new version starts,
/// and still delivered.
#[tokio::test]
async fn mail_queued_in_plain_text_by_an_older_version_is_sealed_at_start() {
    let first = spawn_app().await;
    sqlx::query(
        "INSERT INTO mail_queue (recipient, subject, text_body, html_body, created_at, next_attempt_at) \
         VALUES ($1, 'Tautan lama', 'Buka tautan kode=lama-123', '<p>kode=lama-123</p>', $2, $3)",
    )
    .bind(EMAIL)
    .bind(first.clock_now())
    // Due later, so the row can be read between the start that seals it and delivery.
    .bind(first.clock_now() + 60)
    .execute(&first.db)
    .await
    .unwrap();

    let dir = first.dir.path().display().to_string();
    let database = first.database_url.clone();
    let second = spawn_with(|raw| {
        raw.set("data_dir", dir);
        raw.set("database_url", database);
    })
    .await;
    let row = queued_row(&second).await;
    assert_eq!(row.text_body, "");
    assert_eq!(row.html_body, None);
    assert!(!String::from_utf8_lossy(&row.sealed).contains("lama-123"));
    second.clock.set(row.retry_at);
    second.auth.deliver_due_mail().await.unwrap();
    // The outbox is in the shared data directory, the first app's.
    let mail = first.mail_with("kode=lama-123").await;
    assert!(mail.contains("Tautan lama"), "{mail}");
}
