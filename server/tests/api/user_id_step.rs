//! The user ID step costs the server no write: the claimed ID and door travel sealed in
//! the cookie until the password step writes the first session row.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

const SESSIONS: &str = "SELECT COUNT(*) FROM sessions";

#[tokio::test]
async fn the_user_id_step_writes_no_session_row() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let before = app.count(SESSIONS).await;
    let b = app.browser();
    for n in 0..50 {
        b.start_login(UserKind::NonPenyedia, &format!("SOMEONE{n}"))
            .await;
    }
    assert_eq!(app.count(SESSIONS).await, before, "50 user ID steps");

    // The last claim is the one the password form asks for, and the password step
    // writes the first row.
    b.start_login(UserKind::NonPenyedia, "ppk1").await;
    let page = b.get("/login/password").await;
    assert_eq!(page.by_id("user-id").as_deref(), Some("ppk1"), "as typed");
    let page = b.post("/login/password", &[("password", PASSWORD)]).await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
    assert_eq!(app.count(SESSIONS).await, before + 1);
}

#[tokio::test]
async fn a_claim_that_is_altered_or_past_its_time_opens_nothing() {
    let app = spawn_app().await;
    let b = app.browser();
    b.start_login(UserKind::Penyedia, "vendor1").await;
    let claim = b.session_cookie().unwrap();
    let mut altered = claim.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    let forged = Browser::with_session_cookie(&app.base, &altered);
    assert_eq!(
        forged.get("/login/password").await.location(),
        Some("/login")
    );

    // SPSE_ACTIVATION_MINUTES (15) after the user ID step, the claim has run out.
    app.clock.advance(15 * 60 - 1);
    assert_eq!(b.get("/login/password").await.status, StatusCode::OK);
    app.clock.advance(1);
    assert_eq!(b.get("/login/password").await.location(), Some("/login"));
    let page = b.post("/login/password", &[("password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_user_from_the_password_step_replaces_the_claim() {
    let app = spawn_app().await;
    app.add_user("PPK2", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.start_login(UserKind::Penyedia, "vendor1").await;
    let page = b.get("/login/password").await;
    assert!(
        page.body.contains("href=\"/login\""),
        "Login sebagai pengguna lain"
    );
    b.start_login(UserKind::NonPenyedia, "PPK2").await;
    assert_eq!(
        b.get("/login/password").await.by_id("user-id").as_deref(),
        Some("PPK2")
    );
    let page = b.post("/login/password", &[("password", PASSWORD)]).await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
}
