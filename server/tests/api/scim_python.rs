//! Independent SCIM software against the real server: the conformance checker
//! scim2-tester (`server/tests/scim_conformance.py`) passes, and scim2-client
//! (`server/tests/scim_story.py`) drives the create / disable / re-enable story while
//! the test watches what a user sees. `./scripts/test` installs both from PyPI in the
//! virtual environment it names in `SPSE_TEST_PYTHON`; without it the tests say they are
//! skipped.

use std::process::Stdio;

use spse_domain::user::UserKind;
use spse_usecases::Staff;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::*;
use crate::scim_support::add_token;

fn script(name: &str) -> String {
    format!("{}/tests/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn scim2_tester_finds_the_server_conformant() {
    let Ok(python) = std::env::var("SPSE_TEST_PYTHON") else {
        println!("SKIPPED (no SPSE_TEST_PYTHON): scim2_tester_finds_the_server_conformant");
        return;
    };
    let app = spawn_app().await;
    let token = add_token(&app, "tester").await;
    let out = tokio::process::Command::new(python)
        .arg(script("scim_conformance.py"))
        .env("SCIM_URL", format!("{}/scim/v2", app.base))
        .env("SCIM_TOKEN", &token)
        .kill_on_drop(true)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scim2-tester failed:\n{stdout}\n{stderr}"
    );
    let checks: usize = stdout
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("OK "))
        .and_then(|l| l.strip_suffix(" checks"))
        .and_then(|n| n.parse().ok())
        .expect("the OK line");
    assert!(checks >= 35, "every group of checks ran:\n{stdout}");
    for group in [
        "- random_url",
        "User object_creation",
        "User object_replacement",
        "User object_deletion",
        "User check_replace_attribute",
    ] {
        assert!(
            stdout.contains(&format!("SUCCESS {group}")),
            "{group}:\n{stdout}"
        );
    }
}

#[tokio::test]
async fn scim2_client_creates_disables_and_enables_again() {
    let Ok(python) = std::env::var("SPSE_TEST_PYTHON") else {
        println!("SKIPPED (no SPSE_TEST_PYTHON): scim2_client_creates_disables_and_enables_again");
        return;
    };
    let app = spawn_app().await;
    let token = add_token(&app, "sirup").await;
    let mut child = tokio::process::Command::new(python)
        .arg(script("scim_story.py"))
        .env("SCIM_URL", format!("{}/scim/v2", app.base))
        .env("SCIM_TOKEN", &token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdin = child.stdin.take().unwrap();
    let sessions = "SELECT COUNT(*) FROM sessions WHERE user_pk = \
                    (SELECT id FROM users WHERE user_key = 'cv.maju-1')";

    let created = lines.next_line().await.unwrap().expect("the CREATED line");
    assert!(created.starts_with("CREATED "), "{created}");
    // The account exists; the user chooses a password (another flow mails the link),
    // then gets through the password step to the TOTP activation.
    let staff = Staff::command_line("test");
    app.auth
        .set_password(&staff, "CV.MAJU-1", PASSWORD)
        .await
        .expect("a password");
    let browser = app.browser();
    let page = browser
        .password_step(UserKind::Penyedia, "CV.MAJU-1", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"), "{}", page.body);
    assert_eq!(app.count(sessions).await, 1);
    stdin.write_all(b"go\n").await.unwrap();

    let disabled = lines.next_line().await.unwrap().expect("the DISABLED line");
    assert_eq!(disabled, "DISABLED");
    assert_eq!(app.count(sessions).await, 0, "the session ended at once");
    assert_ne!(
        browser.get("/totp/aktivasi").await.status,
        reqwest::StatusCode::OK
    );
    let refused = app
        .browser()
        .password_step(UserKind::Penyedia, "CV.MAJU-1", PASSWORD)
        .await;
    assert_ne!(refused.location(), Some("/totp/aktivasi"), "disabled");
    stdin.write_all(b"go\n").await.unwrap();

    let last = lines.next_line().await.unwrap().expect("the result line");
    let status = child.wait().await.unwrap();
    assert!(status.success(), "the scim2-client script failed");
    let user: serde_json::Value =
        serde_json::from_str(last.strip_prefix("OK ").expect("OK line")).unwrap();
    assert_eq!(user["active"], true);
    let page = app
        .browser()
        .password_step(UserKind::Penyedia, "CV.MAJU-1", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"), "in again");
    let events = app.events("CV.MAJU-1").await;
    for event in [
        "scim_created",
        "scim_disabled",
        "scim_updated",
        "scim_enabled",
    ] {
        assert!(events.contains(&event.to_string()), "{event}: {events:?}");
    }
}
