//! The real `spse-auth` binary, as an operator runs it.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::Browser;

pub(crate) fn spse_auth(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spse-auth"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C")
        .env_remove("SPSE_DATABASE_URL")
        .env_remove("SPSE_LISTEN");
    command
}

pub(crate) struct Outcome {
    pub(crate) ok: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(mut command: Command, stdin: &str) -> Outcome {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("finished");
    Outcome {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn add(dir: &std::path::Path, user_id: &str, email: &str) -> Command {
    let mut command = spse_auth(dir);
    command.args([
        "user",
        "add",
        "--user-id",
        user_id,
        "--kind",
        "non-penyedia",
        "--email",
        email,
        "--name",
        "PPK Satu",
        "--password-stdin",
    ]);
    command
}

#[test]
fn user_add_list_show_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let created = run(add(d, "PPK1", "ppk1@lpse.go.id"), "kopi tubruk pagi hari\n");
    assert!(created.ok, "{}", created.stderr);
    assert!(created.stdout.contains("Pengguna PPK1 dibuat."));

    let duplicate = run(
        add(d, "ppk1", "other@lpse.go.id"),
        "kopi tubruk pagi hari\n",
    );
    assert!(!duplicate.ok);
    assert!(
        duplicate.stderr.contains("sudah dipakai"),
        "{}",
        duplicate.stderr
    );

    let bad_email = run(add(d, "PPK2", "not-an-email"), "kopi tubruk pagi hari\n");
    assert!(!bad_email.ok);
    assert!(bad_email.stderr.contains("Alamat email tidak valid"));

    let weak = run(add(d, "PPK3", "ppk3@lpse.go.id"), "password123\n");
    assert!(!weak.ok);
    assert!(weak.stderr.contains("paling umum"), "{}", weak.stderr);
    let short = run(add(d, "PPK3", "ppk3@lpse.go.id"), "kopi7ab\n");
    assert!(
        short.stderr.contains("paling sedikit 8"),
        "{}",
        short.stderr
    );

    let mut english = add(d, "Ppk1", "x@lpse.go.id");
    english.env("LANG", "en_US.UTF-8");
    let english = run(english, "kopi tubruk pagi hari\n");
    assert!(
        english.stderr.contains("This user ID is taken"),
        "{}",
        english.stderr
    );

    let mut list = spse_auth(d);
    list.args(["user", "list"]);
    let list = run(list, "");
    assert!(list.ok);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("PPK1") && l.contains("non-penyedia"))
    );
    assert!(!list.stdout.contains("PPK3"));

    let mut show = spse_auth(d);
    show.args(["user", "show", "ppk1"]);
    let show = run(show, "");
    assert!(show.stdout.contains("User ID        PPK1"));
    assert!(show.stdout.contains("Tidak aktif"));
    assert!(!show.stdout.contains("argon2"), "no hash shown");

    let mut missing = spse_auth(d);
    missing.args(["user", "show", "nobody"]);
    let missing = run(missing, "");
    assert!(!missing.ok && missing.stderr.contains("Pengguna tidak ditemukan"));
}

#[test]
fn a_bad_setting_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = spse_auth(dir.path());
    serve.args(["serve"]).env("SPSE_LISTEN", "nowhere");
    let out = run(serve, "");
    assert!(!out.ok);
    assert!(out.stderr.contains("SPSE_LISTEN"), "{}", out.stderr);

    let config = dir.path().join("spse.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nwarna = \"merah\"\n").unwrap();
    let mut serve = spse_auth(dir.path());
    serve.arg("--config").arg(&config).arg("serve");
    let out = run(serve, "");
    assert!(!out.ok && out.stderr.contains("warna"), "{}", out.stderr);
}

#[test]
fn help_names_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut help = spse_auth(dir.path());
    help.arg("--help");
    let out = run(help, "");
    for word in ["serve", "migrate", "user"] {
        assert!(out.stdout.contains(word), "{}", out.stdout);
    }
    let mut help = spse_auth(dir.path());
    help.args(["user", "add", "--help"]);
    let out = run(help, "");
    assert!(out.stdout.contains("--password-stdin") && out.stdout.contains("non-penyedia"));
}

/// The README's first command: demo accounts are printed and can log in.
#[tokio::test]
async fn serve_demo_prints_accounts_that_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = crate::process::spse_auth();
    serve
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let server = crate::process::ServerProcess::start(serve);
    let line = server
        .printed("PPK1's password on stdout", |l| l.contains("PPK1"))
        .await;
    let password = line
        .split("password: ")
        .nth(1)
        .expect("PPK1's password is printed")
        .to_string();
    server
        .printed("where mail goes, on stdout", |l| l.contains("outbox"))
        .await;
    let b = Browser::new(&server.base);
    let page = b
        .password_step(UserKind::NonPenyedia, "ppk1", &password)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
    let activation = b.get("/totp/aktivasi").await;
    assert_eq!(activation.status, StatusCode::OK);
    assert!(activation.body.contains("MODE LATIHAN"));
    let public = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(
        public.status(),
        StatusCode::NOT_FOUND,
        "no metrics in public"
    );
    let metrics = reqwest::get(format!("{}/metrics", server.management))
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains("spse_auth_http_requests_total")
    );
}
