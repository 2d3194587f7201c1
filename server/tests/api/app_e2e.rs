//! End to end with the real server and the real `spse-authenticator` binary, and the
//! browser moving on by itself in headless Chromium.

use std::path::PathBuf;
use std::process::Output;

use fantoccini::Locator;
use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::browser::{Driver, log_in, wait_for_path};
use crate::helpers::*;

/// The authenticator binary built beside this test (`cargo test --workspace` and
/// `scripts/test` build it first).
fn authenticator_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("spse-authenticator");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p spse-authenticator`",
        path.display()
    );
    path
}

/// One phone: its own encrypted store.
struct Phone {
    store: tempfile::TempDir,
}

impl Phone {
    fn new() -> Self {
        Self {
            store: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs a command at the server's pinned time.
    async fn run(&self, app: &TestApp, args: &[&str]) -> Output {
        tokio::process::Command::new(authenticator_bin())
            .arg("--store")
            .arg(self.store.path().join("store.enc"))
            .args(["--lang", "id", "--now", &app.clock.now_u64().to_string()])
            .args(args)
            .env("SPSE_AUTHENTICATOR_PASSPHRASE", "frasa sandi ponsel")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .output()
            .await
            .expect("spse-authenticator runs")
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A user activated by `phone` from the QR PNG the page serves.
async fn activate_with(app: &TestApp, phone: &Phone, user_id: &str) -> Browser {
    app.add_user(user_id, UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, user_id, PASSWORD)
        .await;
    let png = b.bytes("/totp/aktivasi/qr.png").await;
    let path = phone.store.path().join("qr.png");
    std::fs::write(&path, png).unwrap();
    let added = phone
        .run(app, &["add", "--qr", path.to_str().unwrap()])
        .await;
    assert!(added.status.success(), "{}", text(&added));
    assert!(
        text(&added).contains("Akun ditambahkan"),
        "{}",
        text(&added)
    );
    assert_eq!(b.get("/totp/aktivasi").await.location(), Some("/beranda"));
    app.clock.advance(30);
    b
}

async fn acceptor_number(app: &TestApp, user_id: &str) -> (Browser, Option<String>) {
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, user_id, PASSWORD)
        .await;
    let number = b.get("/totp/acceptor").await.by_id("approval-number");
    (b, number)
}

#[tokio::test]
async fn approve_wrong_number_deny_and_not_me_from_the_app() {
    let app = spawn_app().await;
    let phone = Phone::new();
    activate_with(&app, &phone, "PPK1").await;

    let (b, number) = acceptor_number(&app, "PPK1").await;
    let number = number.unwrap();
    let pending = phone.run(&app, &["pending"]).await;
    assert!(
        text(&pending).contains("PPK1") && text(&pending).contains("127.0.0.1"),
        "{}",
        text(&pending)
    );
    assert!(
        !text(&pending).contains(&format!(" {number} ")),
        "the number is not in the app"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&phone.run(&app, &["pending", "--json"]).await.stdout).unwrap();
    assert_eq!(json[0]["account"], "PPK1");

    let wrong = if number == "10" { "11" } else { "10" };
    let refused = phone
        .run(&app, &["approve", "PPK1", "--number", wrong, "--yes"])
        .await;
    assert!(!refused.status.success());
    assert!(
        text(&refused).to_lowercase().contains("angka"),
        "{}",
        text(&refused)
    );
    let approved = phone
        .run(&app, &["approve", "PPK1", "--number", &number, "--yes"])
        .await;
    assert!(approved.status.success(), "{}", text(&approved));
    assert!(
        b.get("/totp/acceptor")
            .await
            .body
            .contains("Login PPK1 diterima")
    );
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);

    let (b, _) = acceptor_number(&app, "PPK1").await;
    assert!(
        phone
            .run(&app, &["deny", "PPK1", "--yes"])
            .await
            .status
            .success()
    );
    assert_eq!(b.get("/totp/acceptor").await.status, StatusCode::FORBIDDEN);

    app.clock.advance(60);
    let (_b, number) = acceptor_number(&app, "PPK1").await;
    assert!(number.is_some());
    assert!(
        phone
            .run(&app, &["deny", "PPK1", "--not-me", "--yes"])
            .await
            .status
            .success()
    );
    let (_b, number) = crate::push_support::at_acceptor_via_new_password(&app, "PPK1").await;
    assert_eq!(
        number, None,
        "a new password first, and approvals pause after not-me"
    );
    assert!(
        app.events("PPK1")
            .await
            .contains(&"approval_not_me".to_string())
    );
}

#[tokio::test]
async fn expiry_second_device_old_device_and_the_fourth_login() {
    let app = spawn_app().await;
    let phone = Phone::new();
    activate_with(&app, &phone, "PPK2").await;

    let (_b, number) = acceptor_number(&app, "PPK2").await;
    app.clock.advance(120);
    let late = phone
        .run(
            &app,
            &["approve", "PPK2", "--number", &number.unwrap(), "--yes"],
        )
        .await;
    assert!(!late.status.success(), "expired: {}", text(&late));

    for _ in 0..3 {
        assert!(acceptor_number(&app, "PPK2").await.1.is_some());
    }
    assert_eq!(
        acceptor_number(&app, "PPK2").await.1,
        None,
        "no fourth pending approval"
    );

    // A lost phone: TOTP reset, then a new phone activates.
    sqlx::query("UPDATE users SET totp_secret = NULL WHERE user_key = 'ppk2'")
        .execute(&app.db)
        .await
        .unwrap();
    let new_phone = Phone::new();
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK2", PASSWORD)
        .await;
    let png = b.bytes("/totp/aktivasi/qr.png").await;
    let path = new_phone.store.path().join("qr.png");
    std::fs::write(&path, &png).unwrap();
    assert!(
        new_phone
            .run(&app, &["add", "--qr", path.to_str().unwrap()])
            .await
            .status
            .success()
    );
    // The same QR on yet another phone is refused.
    let third = Phone::new();
    let again = third
        .run(&app, &["add", "--qr", path.to_str().unwrap()])
        .await;
    assert!(!again.status.success());
    assert!(text(&again).contains("sudah dipakai"), "{}", text(&again));

    app.clock.advance(30);
    let old_code = String::from_utf8(phone.run(&app, &["code", "PPK2"]).await.stdout).unwrap();
    let (b, _) = acceptor_number(&app, "PPK2").await;
    assert_eq!(
        b.post("/totp/acceptor", &[("code", old_code.trim())])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let old = phone.run(&app, &["pending"]).await;
    assert!(
        text(&old).contains("tidak lagi terdaftar"),
        "{}",
        text(&old)
    );
    let new_code = String::from_utf8(new_phone.run(&app, &["code", "PPK2"]).await.stdout).unwrap();
    assert_eq!(
        b.post("/totp/acceptor", &[("code", new_code.trim())])
            .await
            .location(),
        Some("/beranda")
    );
}

#[tokio::test]
async fn chromium_moves_on_by_itself_after_the_app_adds_and_approves() {
    let app = spawn_app().await;
    app.add_user("PPK3", UserKind::NonPenyedia).await;
    let phone = Phone::new();
    let driver = Driver::start();
    let c = driver.browser().await;
    let landed = log_in(&c, &app.base, "non-penyedia", "PPK3", PASSWORD).await;
    assert_eq!(landed, "/totp/aktivasi");

    // The phone scans a screenshot of the page; the page then moves on by itself.
    let shot = phone.store.path().join("screenshot.png");
    std::fs::write(&shot, c.screenshot().await.unwrap()).unwrap();
    let added = phone
        .run(&app, &["add", "--qr", shot.to_str().unwrap()])
        .await;
    assert!(added.status.success(), "{}", text(&added));
    wait_for_path(&c, "/beranda").await;

    // Log out, log in again: the acceptor reloads to the beranda once the app says yes.
    c.find(Locator::Css("nav form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/").await;
    app.clock.advance(30);
    let landed = log_in(&c, &app.base, "non-penyedia", "PPK3", PASSWORD).await;
    assert_eq!(landed, "/totp/acceptor");
    let number = crate::browser::text_of(&c, "approval-number").await;
    let approved = phone
        .run(&app, &["approve", "PPK3", "--number", &number, "--yes"])
        .await;
    assert!(approved.status.success(), "{}", text(&approved));
    wait_for_path(&c, "/beranda").await;
    let user = crate::browser::text_of(&c, "user-id").await;
    assert_eq!(user, "PPK3");
    c.close().await.unwrap();
}
