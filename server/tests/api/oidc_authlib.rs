//! A second, independent client: Python's authlib (`server/tests/authlib_client.py`)
//! completes the flow against the real server, through the real login with TOTP.
//! `./scripts/test` installs authlib in a virtual environment and names its Python in
//! `SPSE_TEST_PYTHON`; without it the test says it is skipped.

use std::process::Stdio;

use spse_domain::user::UserKind;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::spawn_app;
use crate::oidc_support::*;

#[tokio::test]
async fn authlib_completes_the_flow() {
    let Ok(python) = std::env::var("SPSE_TEST_PYTHON") else {
        println!("SKIPPED (no SPSE_TEST_PYTHON): authlib_completes_the_flow");
        return;
    };
    let app = spawn_app().await;
    let key = app.add_active_user("AUTHLIB1", UserKind::Penyedia).await;
    let module = module(&app, false, None).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/authlib_client.py");
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .env("OIDC_ISSUER", &app.base)
        .env("OIDC_CLIENT_ID", &module.client_id)
        .env("OIDC_CLIENT_SECRET", module.secret.as_deref().unwrap())
        .env("OIDC_REDIRECT_URI", REDIRECT)
        // Plain http is the loopback test server's.
        .env("AUTHLIB_INSECURE_TRANSPORT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("the authorization URL");
    let url = first.strip_prefix("AUTHORIZE ").expect("AUTHORIZE line");
    let browser = app.browser();
    let back = login_through(&app, &browser, &path_of(url), "AUTHLIB1", &key).await;
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{back}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let last = lines.next_line().await.unwrap().expect("the result line");
    let status = child.wait().await.unwrap();
    assert!(status.success(), "authlib's script failed");
    let result: serde_json::Value =
        serde_json::from_str(last.strip_prefix("OK ").expect("OK line")).unwrap();
    assert_eq!(result["preferred_username"], "AUTHLIB1");
    assert_eq!(result["userinfo_username"], "AUTHLIB1");
    assert_eq!(result["kind"], "penyedia");
    assert_eq!(result["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
}
