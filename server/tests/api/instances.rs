//! Two real `spse-auth serve` processes on one PostgreSQL database behave as one service.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use spse_domain::user::UserKind;
use spse_protocol::api::{self, DeviceKey, ENROLLING};
use spse_testkit::device::unix_now;
use spse_testkit::{eventually, eventually_within, free_port};

use crate::database::{TestDatabase, skip_without_postgres};
use crate::helpers::{Browser, PASSWORD};
use crate::process::{ServerProcess, spse_auth};

struct Pair {
    a: ServerProcess,
    b: ServerProcess,
    database_url: String,
    _dir: tempfile::TempDir,
    _database: TestDatabase,
}

/// Two instances on one PostgreSQL database; `None` (the test is skipped) without one.
async fn two_instances() -> Option<Pair> {
    two_instances_with_captcha(false).await
}

async fn two_instances_with_captcha(captcha: bool) -> Option<Pair> {
    if skip_without_postgres() {
        return None;
    }
    let (database, url) = TestDatabase::create(true).await;
    let url = url.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("shared.key");
    let ports = [free_port(), free_port()];
    let public_url = format!("http://127.0.0.1:{}", ports[0]);
    let start = |n: usize| {
        let mut serve = spse_auth();
        serve
            .args(["serve", "--listen", &format!("127.0.0.1:{}", ports[n])])
            .env("SPSE_DATABASE_URL", &url)
            .env("SPSE_DATA_DIR", dir.path().join(format!("instance{n}")))
            .env("SPSE_KEY_FILE", &key_file)
            .env("SPSE_PUBLIC_URL", &public_url)
            .env("SPSE_CAPTCHA", if captcha { "on" } else { "off" });
        ServerProcess::start(serve)
    };
    let a = start(0);
    let b = start(1);
    Some(Pair {
        a,
        b,
        database_url: url,
        _dir: dir,
        _database: database,
    })
}

impl Pair {
    fn add_user(&self, user_id: &str) {
        let mut add = spse_auth();
        add.env("SPSE_DATABASE_URL", &self.database_url)
            .env("SPSE_DATA_DIR", self._dir.path().join("admin"))
            .env("SPSE_KEY_FILE", self._dir.path().join("shared.key"));
        let email = format!("{}@lpse.example.go.id", user_id.to_lowercase());
        spse_testkit::add_user_with_cli(
            add,
            UserKind::NonPenyedia,
            user_id,
            &email,
            "Dua Instans",
            PASSWORD,
        )
        .unwrap();
    }
}

/// A request signed as the app signs it, on the real clock the two processes run on.
async fn signed(
    base: &str,
    key: &DeviceKey,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> (StatusCode, serde_json::Value) {
    let now = unix_now() as i64;
    let client = reqwest::Client::new();
    spse_testkit::device::signed(&client, base, key, device, method, path, body, now)
        .await
        .unwrap()
}

/// Reads an event stream until its `done` event; returns how long that took after `since`.
async fn done_after(events: reqwest::Response, since: Instant) -> Duration {
    let text = tokio::time::timeout(Duration::from_secs(10), events.text())
        .await
        .expect("event within 10 s")
        .unwrap();
    assert!(text.contains("event: done"), "{text}");
    since.elapsed()
}

#[tokio::test]
async fn a_login_waiting_on_a_moves_on_when_b_gets_the_decision() {
    let Some(pair) = two_instances().await else {
        return;
    };
    pair.add_user("PPK1");
    let on_a = Browser::new(&pair.a.base);
    on_a.password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    let uri = crate::push_support::scan_qr(&on_a).await;

    // Enrolment through B wakes the activation page waiting on A.
    let events = on_a
        .client
        .get(format!("{}/totp/aktivasi/events", pair.a.base))
        .send()
        .await
        .unwrap();
    let key = DeviceKey::generate();
    let body = serde_json::to_vec(&api::EnrollRequest {
        token: uri.enroll.clone().unwrap(),
        public_key: key.public_hex(),
        code: uri.key.code_at(unix_now()),
        device_name: "HP".into(),
    })
    .unwrap();
    let (status, enrolled) = signed(
        &pair.b.base,
        &key,
        ENROLLING,
        "POST",
        api::ENROLL_PATH,
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enrolled}");
    let latency = done_after(events, Instant::now()).await;
    eprintln!("activation notice A <- B: {latency:?}");
    assert_eq!(
        on_a.get("/totp/aktivasi").await.location(),
        Some("/beranda")
    );
    let device = enrolled["device_id"].as_str().unwrap().to_string();

    // A login on A, approved through B's API.
    let on_a = Browser::new(&pair.a.base);
    on_a.password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    let number: i64 = on_a
        .get("/totp/acceptor")
        .await
        .by_id("approval-number")
        .unwrap()
        .parse()
        .unwrap();
    let events = on_a
        .client
        .get(format!("{}/totp/acceptor/events", pair.a.base))
        .send()
        .await
        .unwrap();
    let (_, list) = signed(&pair.b.base, &key, &device, "GET", api::APPROVALS_PATH, b"").await;
    let id = list["approvals"][0]["id"].as_str().unwrap().to_string();
    let decision = serde_json::json!({ "decision": "approve", "number": number }).to_string();
    let sent = Instant::now();
    let (status, _) = signed(
        &pair.b.base,
        &key,
        &device,
        "POST",
        &api::decision_path(&id),
        decision.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let latency = done_after(events, sent).await;
    eprintln!("approval notice A <- B: {latency:?}");
    assert!(on_a.get("/totp/acceptor").await.body.contains("diterima"));

    // The session made on A is valid on B, and logging out on B ends it on A.
    let cookie = on_a.session_cookie().unwrap();
    let on_b = Browser::with_session_cookie(&pair.b.base, &cookie);
    assert_eq!(on_b.get("/beranda").await.status, StatusCode::OK);
    on_b.post("/logout", &[]).await;
    assert_eq!(
        on_a.get("/beranda").await.location(),
        Some("/login?ended=elsewhere")
    );
}

#[tokio::test]
async fn failures_spread_over_both_instances_lock_at_the_same_count() {
    let Some(pair) = two_instances().await else {
        return;
    };
    pair.add_user("PPK2");
    for attempt in 0..10 {
        let base = if attempt % 2 == 0 {
            &pair.a.base
        } else {
            &pair.b.base
        };
        let page = Browser::new(base)
            .password_step(UserKind::NonPenyedia, "PPK2", "wrong password")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    for base in [&pair.a.base, &pair.b.base] {
        let page = Browser::new(base)
            .password_step(UserKind::NonPenyedia, "PPK2", PASSWORD)
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "locked on {base}");
    }
}

#[tokio::test]
async fn sigterm_releases_waiting_pages_and_exits() {
    let Some(mut pair) = two_instances().await else {
        return;
    };
    pair.add_user("PPK3");
    let on_a = Browser::new(&pair.a.base);
    on_a.password_step(UserKind::NonPenyedia, "PPK3", PASSWORD)
        .await;
    let events = on_a
        .client
        .get(format!("{}/totp/aktivasi/events", pair.a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    pair.a.terminate();
    // The waiting page is told to reload (its load balancer then picks instance B) ...
    let text = tokio::time::timeout(Duration::from_secs(15), events.text())
        .await
        .unwrap()
        .unwrap();
    assert!(text.contains("event: done"), "{text}");
    // ... and the process exits on its own, cleanly.
    assert!(pair.a.exit_success_within(Duration::from_secs(15)));
    // The same login continues on B: the session lives in the database.
    let on_b = Browser::with_session_cookie(&pair.b.base, &on_a.session_cookie().unwrap());
    assert_eq!(on_b.get("/totp/aktivasi").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_captcha_from_a_is_checked_by_b_and_the_mailed_link_works_on_the_other() {
    let Some(pair) = two_instances_with_captcha(true).await else {
        return;
    };
    pair.add_user("PPK4");
    let b = Browser::new(&pair.a.base);
    let form = b.get("/reset-totp").await;
    let id = crate::reset_request::captcha_id(&form);
    let image = b
        .client
        .get(format!("{}/captcha?id={id}", pair.a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        image.headers()["content-type"],
        "image/png",
        "A draws the captcha"
    );
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&pair.database_url).await.unwrap();
    let answer = crate::reset_request::solve_in(&db, &id).await;
    // The form served by A is posted to B.
    let page = b
        .client
        .post(format!("{}/reset-totp", pair.b.base))
        .form(&[
            ("csrf_token", b.csrf().as_str()),
            ("user_id", "PPK4"),
            ("email", "ppk4@lpse.example.go.id"),
            ("kind", "non-penyedia"),
            ("captcha_id", &id),
            ("captcha", &answer),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("ppk4@lpse.example.go.id")
    );

    // Whichever instance's worker delivered it, the mail is in one of the outboxes.
    let outboxes: Vec<_> = (0..2)
        .map(|n| pair._dir.path().join(format!("instance{n}")).join("outbox"))
        .collect();
    let mail = eventually_within(
        "the reset mail in an outbox",
        Duration::from_secs(20),
        || {
            let found = outboxes.iter().find_map(|dir| {
                std::fs::read_dir(dir)
                    .ok()?
                    .filter_map(Result::ok)
                    .find_map(|e| {
                        let text = std::fs::read_to_string(e.path()).ok()?;
                        text.contains("Konfirmasi Permintaan Reset TOTP")
                            .then_some(text)
                    })
            });
            async move { found }
        },
    )
    .await;
    let link = crate::smtp_sink::reset_link(&mail);
    let path = link
        .strip_prefix(&pair.a.base)
        .expect("built from the shared PUBLIC_URL");
    // B handled the request; the link is followed on A.
    let on_a = Browser::new(&pair.a.base);
    let done = crate::reset::confirm(&on_a, path).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.to_lowercase().contains("berhasil di reset"),
        "{}",
        done.body
    );
}

#[tokio::test]
async fn a_logout_the_database_could_not_record_is_refused_on_the_other_instance() {
    let Some(pair) = two_instances().await else {
        return;
    };
    pair.add_user("PPK4");
    let on_a = Browser::new(&pair.a.base);
    on_a.password_step(UserKind::NonPenyedia, "PPK4", PASSWORD)
        .await;
    let on_b = Browser::with_session_cookie(&pair.b.base, &on_a.session_cookie().unwrap());
    assert_eq!(on_b.get("/totp/aktivasi").await.status, StatusCode::OK);

    let refusal = crate::read_only::refuse_writes(&pair.database_url).await;
    let out = on_a.post("/logout", &[]).await;
    assert_eq!(out.location(), Some("/?ended=logout"));
    assert_eq!(on_a.session_cookie(), None, "the cookie is cleared");
    // Without a session the activation step answers "session expired".
    eventually("B to refuse the session A logged out", || async {
        match on_b.get("/totp/aktivasi").await.status {
            StatusCode::UNAUTHORIZED => Ok(()),
            other => Err(other),
        }
    })
    .await;
    refusal.lift().await;
}
