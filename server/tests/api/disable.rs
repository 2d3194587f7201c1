//! DISABLE TOTP on the beranda (FAQ 4).

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

#[tokio::test]
async fn disable_totp_then_the_next_login_activates_again() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let other_device = app
        .login(UserKind::NonPenyedia, "PPK30", PASSWORD, &key)
        .await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK30", PASSWORD, &key)
        .await;

    let beranda = b.get("/beranda").await;
    assert!(beranda.body.contains("DISABLE TOTP"));
    let confirm = b.get("/totp/disable").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.body.contains("id=\"disable-ok\""),
        "a confirmation step"
    );
    assert!(
        confirm.by_id("disable-ask-approval").is_none(),
        "no approval offered without SPSE Authenticator"
    );
    assert!(app.has_totp("PPK30").await, "the page changes nothing");

    // Without a fresh code, or with a wrong one, nothing changes.
    let refused = b.post("/totp/disable", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(app.has_totp("PPK30").await);
    let wrong = b.post("/totp/disable", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.error().is_some(), "{}", wrong.body);
    assert!(app.has_totp("PPK30").await);

    app.clock.advance(30);
    let done = b.post("/totp/disable", &[("code", &app.code(&key))]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.by_id("disable-done")
            .unwrap()
            .contains("dinonaktifkan")
    );
    assert!(!app.has_totp("PPK30").await);
    assert_eq!(b.get("/beranda").await.location(), Some("/login"));
    assert_eq!(
        other_device.get("/beranda").await.location(),
        Some("/login?ended=elsewhere")
    );
    assert!(
        app.events("PPK30")
            .await
            .contains(&"totp_disabled".to_string())
    );
    let mails = app.wait_for_outbox(2).await;
    assert!(
        mails.iter().any(
            |m| m.contains("To: ppk30@lpse.example.go.id") && m.contains("sudah dinonaktifkan")
        )
    );

    let next = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(next.location(), Some("/totp/aktivasi"));
}

#[tokio::test]
async fn a_password_only_session_cannot_disable_totp() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let b = app.browser();
    let page = b
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/acceptor"));
    assert_eq!(
        b.get("/totp/disable").await.location(),
        Some("/totp/acceptor")
    );
    let refused = b.post("/totp/disable", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(app.has_totp("PPK30").await);
    let anonymous = app.browser();
    anonymous.get("/reset-totp").await; // a form, for a CSRF token
    let refused = anonymous.post("/totp/disable", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}
