//! After a reset the password alone binds no new phone: the activation needs the ticket
//! of the browser that confirmed the link, or of a link mailed to the address on file.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::reset::{activation_link_from_outbox, confirm, link_from_outbox, path_of};

/// An active user whose TOTP was just reset by link in the returned browser.
async fn reset_by_link(app: &TestApp, user_id: &str) -> Browser {
    app.add_active_user(user_id, UserKind::NonPenyedia).await;
    let link = link_from_outbox(app, user_id, "non-penyedia").await;
    let owner = app.browser();
    let done = confirm(&owner, &path_of(&link, app)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(!app.has_totp(user_id).await);
    owner
}

#[tokio::test]
async fn the_confirming_browser_activates_until_the_ticket_expires() {
    let app = spawn_with(|raw| raw.set("reset_minutes", "30")).await;
    let late = reset_by_link(&app, "PPK44").await;
    let late_reset_at = app.clock_now();
    let early = reset_by_link(&app, "PPK40").await;
    let reset_at = app.clock_now();

    app.clock.set(reset_at + 30 * 60 - 1);
    let page = early
        .password_step(UserKind::NonPenyedia, "PPK40", PASSWORD)
        .await;
    assert_eq!(
        page.location(),
        Some("/totp/aktivasi"),
        "1799 s: still good"
    );

    app.clock.set(late_reset_at + 30 * 60);
    let page = late
        .password_step(UserKind::NonPenyedia, "PPK44", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "1800 s: expired");
}

#[tokio::test]
async fn a_stranger_with_the_password_gets_no_activation_and_the_owner_a_link() {
    let app = spawn_app().await;
    let _owner = reset_by_link(&app, "PPK41").await;

    let stranger = app.browser();
    let page = stranger
        .password_step(UserKind::NonPenyedia, "PPK41", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM totp_activations").await,
        0,
        "no secret was made for the stranger"
    );
    // Trying again soon mails nothing more: one fresh link per ten minutes.
    stranger
        .password_step(UserKind::NonPenyedia, "PPK41", PASSWORD)
        .await;
    let link = activation_link_from_outbox(&app, "PPK41", 1).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activation_tickets WHERE mailed = 1")
            .await,
        1,
        "one link made and mailed"
    );

    // The owner opens the mailed link and activates; the ticket is then used up.
    let owner = app.browser();
    let opened = owner.get(&path_of(&link, &app)).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(opened.body.contains("Tautan aktivasi diterima"));
    let page = owner
        .password_step(UserKind::NonPenyedia, "PPK41", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
    let key = owner.activation_key().await;
    let done = owner
        .post("/totp/aktivasi", &[("code", &app.code(&key))])
        .await;
    assert_eq!(done.location(), Some("/beranda"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activation_tickets").await,
        0
    );
    let again = app.browser().get(&path_of(&link, &app)).await;
    assert_eq!(again.status, StatusCode::GONE, "used up");
}

#[tokio::test]
async fn a_ticket_opens_only_its_own_account() {
    let app = spawn_app().await;
    let _owner = reset_by_link(&app, "PPK42").await;
    let _other = reset_by_link(&app, "PPK43").await;
    app.browser()
        .password_step(UserKind::NonPenyedia, "PPK42", PASSWORD)
        .await;
    let link = activation_link_from_outbox(&app, "PPK42", 1).await;
    let path = path_of(&link, &app).replace("userid=PPK42", "userid=PPK43");
    assert_eq!(app.browser().get(&path).await.status, StatusCode::GONE);
    let tampered = path_of(&link, &app).replace("kode=", "kode=0");
    assert_eq!(app.browser().get(&tampered).await.status, StatusCode::GONE);
    // Holding PPK42's ticket does not let a browser activate PPK43.
    let b = app.browser();
    b.get(&path_of(&link, &app)).await;
    let page = b
        .password_step(UserKind::NonPenyedia, "PPK43", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
