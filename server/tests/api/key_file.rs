//! The key file against the database that records which key sealed it: a missing or
//! other key refuses to start (the real binary, as an operator runs it), and readiness
//! fails when the record stops matching.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::process::spse_auth;

/// `spse-auth <args>` on the app's database; the key file is the data directory's
/// unless `key_file` names another.
fn command(app: &TestApp, data_dir: &Path, key_file: Option<&Path>, args: &[&str]) -> Command {
    let mut command = spse_auth();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("SPSE_DATABASE_URL", &app.database_url);
    if let Some(key_file) = key_file {
        command.env("SPSE_KEY_FILE", key_file);
    }
    Command(command)
}

struct Command(std::process::Command);

impl Command {
    fn lang(mut self, lang: &str) -> Self {
        self.0.env("LANG", lang);
        self
    }

    /// Runs it to the end (bounded: a server that did start would never end by itself).
    async fn run(self) -> (bool, String) {
        let mut command = tokio::process::Command::from(self.0);
        command.kill_on_drop(true);
        let out = tokio::time::timeout(Duration::from_secs(60), command.output())
            .await
            .expect("the command ends by itself")
            .expect("spse-auth runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), stderr)
    }
}

fn serve(app: &TestApp, data_dir: &Path, key_file: Option<&Path>) -> Command {
    command(
        app,
        data_dir,
        key_file,
        &["serve", "--listen", "127.0.0.1:0"],
    )
}

/// The detailed readiness, on the management listener.
async fn health(app: &TestApp) -> (StatusCode, serde_json::Value) {
    let response = reqwest::get(format!("{}/healthz", app.management))
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn recorded_check(app: &TestApp) -> Option<String> {
    sqlx::query_scalar("SELECT check_value FROM key_check")
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_removed_key_file_refuses_to_start_and_says_what_to_do() {
    let app = spawn_app().await;
    app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let key_file = app.dir.path().join("secret.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();

    let (ok, stderr) = serve(&app, app.dir.path(), None).run().await;
    assert!(!ok, "refused: {stderr}");
    let named = key_file.display().to_string();
    assert!(stderr.contains(&named), "names the file: {stderr}");
    assert!(
        stderr.contains("tidak ada") && stderr.contains("cadangan"),
        "{stderr}"
    );
    assert!(stderr.contains("SPSE_KEY_FILE"), "{stderr}");
    assert!(!key_file.exists(), "no new key made in its place");

    let (ok, stderr) = serve(&app, app.dir.path(), None)
        .lang("en_US.UTF-8")
        .run()
        .await;
    assert!(!ok);
    assert!(
        stderr.contains("is missing") && stderr.contains("Restore the file from a backup"),
        "{stderr}"
    );

    // The admin commands open the same key, and refuse alike.
    let list = command(&app, app.dir.path(), None, &["user", "list"]);
    let (ok, stderr) = list.run().await;
    assert!(!ok && stderr.contains(&named), "{stderr}");

    std::fs::write(&key_file, key).unwrap();
    let list = command(&app, app.dir.path(), None, &["user", "list"]);
    let (ok, stderr) = list.run().await;
    assert!(ok, "the restored file is accepted: {stderr}");
}

#[tokio::test]
async fn another_key_file_refuses_to_start() {
    let app = spawn_app().await;
    app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let other_dir = tempfile::tempdir().unwrap();
    let other = other_dir.path().join("other.key");
    std::fs::write(&other, spse_domain::token::random_hex(32)).unwrap();

    let (ok, stderr) = serve(&app, app.dir.path(), Some(&other)).run().await;
    assert!(!ok, "refused: {stderr}");
    assert!(stderr.contains(&other.display().to_string()), "{stderr}");
    assert!(stderr.contains("bukan kunci"), "{stderr}");
    assert!(stderr.contains("SPSE_KEY_FILE"), "{stderr}");

    // The user who activated still logs in on the instance with the right key.
    let b = app.browser();
    b.start_login(UserKind::NonPenyedia, "PPK1").await;
    let page = b.post("/login/password", &[("password", PASSWORD)]).await;
    assert_eq!(page.location(), Some("/totp/acceptor"));
}

/// A second instance whose key file was not copied: it would have made a key of its own
/// and looked healthy. It refuses even before anyone activated, since the first
/// instance's start recorded its key.
#[tokio::test]
async fn a_second_instance_without_the_copied_key_refuses_to_start() {
    let app = spawn_app().await;
    assert!(
        recorded_check(&app).await.is_some(),
        "recorded at first start"
    );
    let second = tempfile::tempdir().unwrap();
    let (ok, stderr) = serve(&app, second.path(), None).run().await;
    assert!(!ok, "refused: {stderr}");
    let key_file = second.path().join("secret.key");
    assert!(stderr.contains(&key_file.display().to_string()), "{stderr}");
    assert!(!key_file.exists());
}

/// A database written before checks were recorded (or whose record was lost) is proved
/// by opening one of its sealed secrets, then recorded again.
#[tokio::test]
async fn without_a_record_a_sealed_secret_decides() {
    let app = spawn_app().await;
    app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let before = recorded_check(&app).await.unwrap();
    sqlx::query("DELETE FROM key_check")
        .execute(&app.db)
        .await
        .unwrap();
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["key"], "unrecorded");

    let other_dir = tempfile::tempdir().unwrap();
    let other = other_dir.path().join("other.key");
    std::fs::write(&other, spse_domain::token::random_hex(32)).unwrap();
    let list = command(&app, app.dir.path(), Some(&other), &["user", "list"]);
    let (ok, stderr) = list.run().await;
    assert!(!ok && stderr.contains("bukan kunci"), "{stderr}");
    assert_eq!(recorded_check(&app).await, None, "nothing recorded for it");

    let list = command(&app, app.dir.path(), None, &["user", "list"]);
    let (ok, stderr) = list.run().await;
    assert!(ok, "{stderr}");
    assert_eq!(recorded_check(&app).await, Some(before));
    assert_eq!(health(&app).await.0, StatusCode::OK);
}

#[tokio::test]
async fn readiness_fails_while_the_database_records_another_key() {
    let app = spawn_app().await;
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["key"], "ok");
    let check = recorded_check(&app).await.unwrap();
    let key = std::fs::read_to_string(app.dir.path().join("secret.key")).unwrap();
    assert_eq!(check.len(), 64);
    assert!(
        !check.contains(key.trim()) && !key.contains(&check),
        "never the key"
    );

    // As if the database were replaced by one another key sealed.
    let other = "0".repeat(64);
    sqlx::query("UPDATE key_check SET check_value = $1")
        .bind(&other)
        .execute(&app.db)
        .await
        .unwrap();
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["key"], "mismatch");
    assert_eq!(body["database"], "ok");

    sqlx::query("UPDATE key_check SET check_value = $1")
        .bind(&check)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(health(&app).await.0, StatusCode::OK);
}
