//! The reset request (guide D.1-4): one answer whether or not anything matched, the
//! captcha, the limits, duplicate parameters, the Host header, and a mail server that
//! is down when the request comes.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HOST;
use spse_domain::user::UserKind;
use sqlx::Row;

use crate::helpers::*;
use crate::reset::{SUBJECT, request_reset};
use crate::smtp_sink::{SmtpSink, reset_link};

pub const EMAIL: &str = "ppk30@lpse.example.go.id";

fn reset_mails(app: &TestApp) -> usize {
    app.outbox().iter().filter(|m| m.contains(SUBJECT)).count()
}

#[tokio::test]
async fn matching_and_not_matching_requests_answer_alike() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    app.add_active_user("other", UserKind::NonPenyedia).await;
    let activation_mails = app.wait_for_outbox(2).await.len();

    let mut answers = Vec::new();
    for (what, user_id, kind) in [
        ("wrong kind", "PPK30", "penyedia"),
        ("unknown user", "NOBODY", "non-penyedia"),
        ("someone else's address", "other", "non-penyedia"),
        ("malformed user ID", "ppk 30!", "non-penyedia"),
        ("all matching", "ppk30", "non-penyedia"),
    ] {
        let b = app.browser();
        b.get("/reset-totp").await;
        let started = Instant::now();
        let page = b
            .post(
                "/reset-totp",
                &[("user_id", user_id), ("email", EMAIL), ("kind", kind)],
            )
            .await;
        answers.push((what, page.status, page.body, started.elapsed()));
    }
    let (_, status, body, _) = &answers[4];
    assert_eq!(*status, StatusCode::OK);
    assert!(body.contains("Email untuk Reset TOTP sudah terkirim ke: ppk30@lpse.example.go.id"));
    for (what, other_status, other_body, elapsed) in &answers {
        assert_eq!(other_status, status, "{what}");
        assert_eq!(other_body, body, "{what}: the same page");
        eprintln!("reset request, {what}: {} ms", elapsed.as_millis());
        assert!(
            *elapsed >= Duration::from_millis(250),
            "{what}: the time floor"
        );
    }

    let mails = app.wait_for_outbox(activation_mails + 1).await;
    app.auth.deliver_due_mail().await.unwrap();
    assert_eq!(app.queued_mail().await, 0);
    assert_eq!(reset_mails(&app), 1, "a mail only for the matching request");
    assert!(
        mails
            .iter()
            .any(|m| m.contains(SUBJECT) && m.contains(&format!("To: {EMAIL}")))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM reset_codes").await, 1);
    assert!(app.has_totp("PPK30").await, "a request changes nothing");
    let events = app.event_details("PPK30").await;
    assert!(events.contains(&("reset_requested".into(), "mailed".into())));
    assert!(
        events.contains(&("reset_requested".into(), "no match".into())),
        "the owner's log shows the wrong-kind attempt"
    );
}

#[tokio::test]
async fn the_link_comes_from_public_url_never_the_host_header() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.get("/reset-totp").await;
    let token = b.csrf();
    let response = b
        .client
        .post(format!("{}/reset-totp", app.base))
        .header(HOST, "evil.example")
        .form(&[
            ("csrf_token", token.as_str()),
            ("user_id", "PPK30"),
            ("email", EMAIL),
            ("kind", "non-penyedia"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mails = app.wait_for_outbox(2).await;
    let mail = mails
        .iter()
        .find(|m| m.contains(SUBJECT))
        .expect("reset mail");
    assert!(!mail.contains("evil.example"));
    assert!(reset_link(mail).starts_with(&format!("{}/user/resettotp?", app.base)));
}

#[tokio::test]
async fn a_second_email_field_is_refused_and_mails_nobody() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.get("/reset-totp").await;
    let token = b.csrf();
    for fields in [
        vec![("email", EMAIL), ("email", "attacker@evil.example")],
        vec![("email", "attacker@evil.example"), ("email", EMAIL)],
        vec![("email[]", EMAIL), ("email", EMAIL)],
    ] {
        let mut form = vec![
            ("csrf_token", token.as_str()),
            ("user_id", "PPK30"),
            ("kind", "non-penyedia"),
        ];
        form.extend(fields);
        let page = b.post_raw("/reset-totp", &form).await;
        assert_ne!(page.status, StatusCode::OK, "{form:?}");
    }
    app.auth.deliver_due_mail().await.unwrap();
    assert_eq!(reset_mails(&app), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM reset_codes").await, 0);
}

/// The answer of a captcha, found the way only someone holding the database could: by
/// trying every five-digit answer against the stored hash.
pub async fn solve(app: &TestApp, captcha_id: &str) -> String {
    solve_in(&app.db, captcha_id).await
}

/// [`solve`] against any connection to the database.
pub async fn solve_in(db: &sqlx::AnyPool, captcha_id: &str) -> String {
    let row = sqlx::query("SELECT answer_hash FROM captchas WHERE id_hash = $1")
        .bind(spse_domain::token::hash(captcha_id))
        .fetch_one(db)
        .await
        .unwrap();
    let stored: String = row.get(0);
    (0..100_000)
        .map(|n| format!("{n:05}"))
        .find(|a| spse_domain::reset::captcha_answer_hash(captcha_id, a) == stored)
        .expect("an answer")
}

pub fn captcha_id(page: &Page) -> String {
    let marker = "name=\"captcha_id\" value=\"";
    let start = page.body.find(marker).expect("captcha id on the form") + marker.len();
    page.body[start..start + 32].to_string()
}

#[tokio::test]
async fn the_captcha_is_drawn_spoken_single_use_and_expires() {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let b = app.browser();
    let send = |id: String, answer: String| {
        let b = &b;
        async move {
            b.post(
                "/reset-totp",
                &[
                    ("user_id", "PPK30"),
                    ("email", EMAIL),
                    ("kind", "non-penyedia"),
                    ("captcha_id", &id),
                    ("captcha", &answer),
                ],
            )
            .await
        }
    };

    let form = b.get("/reset-totp").await;
    assert!(form.body.contains("Kode Keamanan"));
    assert!(form.body.contains("id=\"captcha-refresh\""));
    let id = captcha_id(&form);
    let image = b
        .client
        .get(format!("{}/captcha?id={id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    let png = image.bytes().await.unwrap();
    let decoded = image::load_from_memory(&png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (240, 80));
    let audio = b
        .client
        .get(format!("{}/captcha/audio?id={id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(audio.headers()["content-type"], "audio/wav");
    assert_eq!(&audio.bytes().await.unwrap()[..4], b"RIFF");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM captchas").await,
        1,
        "the audio speaks the picture's answer: one row for the form"
    );

    let answer = solve(&app, &id).await;
    let wrong = format!("{:05}", (answer.parse::<u32>().unwrap() + 1) % 100_000);
    let refused = send(id.clone(), wrong).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("Kode Keamanan salah"));
    let used_up = send(id.clone(), answer.clone()).await;
    assert_eq!(
        used_up.status,
        StatusCode::BAD_REQUEST,
        "a wrong try uses it up"
    );
    assert!(app.auth.deliver_due_mail().await.unwrap() == 0);

    let form = b.get("/reset-totp").await;
    let id = captcha_id(&form);
    b.client
        .get(format!("{}/captcha?id={id}", app.base))
        .send()
        .await
        .unwrap();
    let answer = solve(&app, &id).await;
    assert_eq!(
        send(id.clone(), answer.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(id, answer).await.status,
        StatusCode::BAD_REQUEST,
        "single use"
    );

    let form = b.get("/reset-totp").await;
    let id = captcha_id(&form);
    b.client
        .get(format!("{}/captcha?id={id}", app.base))
        .send()
        .await
        .unwrap();
    let answer = solve(&app, &id).await;
    app.clock.advance(600);
    assert_eq!(
        send(id, answer).await.status,
        StatusCode::BAD_REQUEST,
        "expired"
    );

    let form = b.get("/reset-totp").await;
    let id = captcha_id(&form);
    b.client
        .get(format!("{}/captcha?id={id}", app.base))
        .send()
        .await
        .unwrap();
    let answer = solve(&app, &id).await;
    app.clock.advance(599);
    assert_eq!(
        send(id, answer).await.status,
        StatusCode::OK,
        "just in time"
    );

    let bad = b
        .client
        .get(format!("{}/captcha?id=nothex", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_mail_server_down_at_request_time_gets_the_mail_once_it_is_back() {
    let port = spse_testkit::free_port();
    let app = spawn_with(|raw| raw.set("smtp_url", format!("smtp://127.0.0.1:{port}"))).await;
    app.add_user("PPK30", UserKind::NonPenyedia).await;

    let page = request_reset(&app.browser(), "PPK30", EMAIL, "non-penyedia").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the request does not wait for mail"
    );
    app.auth.deliver_due_mail().await.unwrap();
    let row = sqlx::query("SELECT attempts, last_error, next_attempt_at FROM mail_queue")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(row.get::<i64, _>(0) >= 1);
    assert!(
        !row.get::<String, _>(1).is_empty(),
        "the failure is recorded"
    );
    let retry_at: i64 = row.get(2);
    assert!(retry_at > app.clock_now(), "backoff before the next try");

    let sink = SmtpSink::start_on(port).await;
    app.auth.deliver_due_mail().await.unwrap();
    assert!(sink.messages().is_empty(), "not before the backoff ends");
    app.clock.set(retry_at);
    let mails = sink.wait_for(SUBJECT, 1, &app).await;
    assert_eq!(mails.len(), 1);
    assert!(reset_link(&mails[0].data).contains("userid=PPK30"));
    // The worker removes the row once the server said 250; only then move the clock
    // past the claim's lease (a send that outlived its lease would be tried again).
    eventually("the delivered mail's queue row to be removed", || async {
        match app.queued_mail().await {
            0 => Ok(()),
            queued => Err(format!("{queued} queued")),
        }
    })
    .await;
    app.auth.deliver_due_mail().await.unwrap();
    app.clock.advance(3600);
    app.auth.deliver_due_mail().await.unwrap();
    assert_eq!(sink.messages().len(), 1, "delivered once");
    assert_eq!(app.queued_mail().await, 0);
}

#[tokio::test]
async fn queued_mail_is_sent_after_a_restart() {
    let port = spse_testkit::free_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let first = spawn_with(|raw| raw.set("smtp_url", smtp.clone())).await;
    first.add_user("PPK30", UserKind::NonPenyedia).await;
    request_reset(&first.browser(), "PPK30", EMAIL, "non-penyedia").await;
    first.auth.deliver_due_mail().await.unwrap();
    assert_eq!(first.queued_mail().await, 1);

    // A second application on the same data directory stands for the restarted server.
    let sink = SmtpSink::start_on(port).await;
    let dir = first.dir.path().display().to_string();
    let database = first.database_url.clone();
    let second = spawn_with(|raw| {
        raw.set("smtp_url", smtp);
        raw.set("data_dir", dir);
        raw.set("database_url", database);
    })
    .await;
    second.clock.set(first.clock_now() + 3600);
    let mails = sink.wait_for(SUBJECT, 1, &second).await;
    assert_eq!(mails.len(), 1);
    // The worker deletes the row just after the SMTP server accepted the mail.
    eventually("the delivered mail gone from the queue", || async {
        (second.queued_mail().await == 0).then_some(())
    })
    .await;
}

/// A page sent with `Referrer-Policy: no-referrer` posts `Origin: null`; browsers also
/// send `Sec-Fetch-Site`, which decides. Without it, a foreign or null origin is refused.
#[tokio::test]
async fn posts_from_no_referrer_pages_pass_only_as_same_origin() {
    let app = spawn_app().await;
    let b = app.browser();
    b.get("/reset-totp").await;
    let token = b.csrf();
    let post = |origin: &'static str, site: Option<&'static str>| {
        let mut request = b
            .client
            .post(format!("{}/reset-totp", app.base))
            .header("origin", origin)
            .form(&[
                ("csrf_token", token.as_str()),
                ("user_id", "PPK30"),
                ("email", EMAIL),
                ("kind", "non-penyedia"),
            ]);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(post("null", Some("same-origin")).await, StatusCode::OK);
    assert_eq!(post("null", None).await, StatusCode::FORBIDDEN);
    assert_eq!(
        post("null", Some("cross-site")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("https://evil.example", Some("same-site")).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_mail_is_in_the_language_of_the_request() {
    let app = spawn_app().await;
    app.add_user("PPK30", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.get("/reset-totp?lang=en").await;
    let page = b
        .post(
            "/reset-totp",
            &[
                ("user_id", "PPK30"),
                ("email", EMAIL),
                ("kind", "non-penyedia"),
            ],
        )
        .await;
    assert_eq!(
        page.by_id("reset-sent").as_deref(),
        Some("The email to reset TOTP was sent to: ppk30@lpse.example.go.id")
    );
    let mails = app.wait_for_outbox(1).await;
    assert!(mails[0].contains("Subject: Konfirmasi Permintaan Reset TOTP (confirm TOTP reset"));
    assert!(mails[0].contains("We received a request to reset TOTP"));
}

#[tokio::test]
async fn smtp_credentials_come_from_the_url() {
    let sink = SmtpSink::start().await;
    let url = format!("smtp://lpse-mailer:rahasia%40123@127.0.0.1:{}", sink.port);
    let app = spawn_with(|raw| raw.set("smtp_url", url)).await;
    app.add_user("PPK30", UserKind::NonPenyedia).await;
    request_reset(&app.browser(), "PPK30", EMAIL, "non-penyedia").await;
    assert_eq!(sink.wait_for(SUBJECT, 1, &app).await.len(), 1);
    assert_eq!(
        sink.logins(),
        [("lpse-mailer".to_string(), "rahasia@123".to_string())]
    );
}
