//! Lockouts that an attacker cannot turn against the owner: a browser that completed a
//! two-factor login keeps its own password counter (OWASP device cookies).

use reqwest::StatusCode;
use spse_domain::user::UserKind;
use spse_testkit::Browser;

use crate::helpers::*;

#[tokio::test]
async fn a_hundred_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK50", UserKind::NonPenyedia).await;
    // The owner logged in fully in this browser before: it is trusted from then on.
    let owner = app
        .login(UserKind::NonPenyedia, "PPK50", PASSWORD, &key)
        .await;
    owner.post("/logout", &[]).await;

    let attacker = Browser::from_address(&app.base, "127.0.0.2".parse().unwrap());
    for _ in 0..100 {
        let page = attacker
            .password_step(UserKind::NonPenyedia, "PPK50", "tebakan salah")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // Every untrusted browser meets the lock, the right password included (NIST's
    // limit on consecutive failures still holds for them).
    let stranger = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK50", PASSWORD)
        .await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);

    // The owner logs in with password and code at once.
    app.clock.advance(30);
    let page = owner
        .password_step(UserKind::NonPenyedia, "PPK50", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/acceptor"), "{}", page.body);
    owner.get("/totp/acceptor").await;
    let done = owner
        .post("/totp/acceptor", &[("code", &app.code(&key))])
        .await;
    assert_eq!(done.location(), Some("/beranda"));

    // The owner was told, once: a hundred attempts started one lock, which the others
    // met without counting; and the lock shows in their LOG AKSES.
    let mail = app.mail_with("Login SPSE dijeda").await;
    assert!(mail.contains("To: ppk50@lpse.example.go.id"));
    let starts = app
        .event_details("PPK50")
        .await
        .into_iter()
        .filter(|(kind, detail)| kind == "password_locked" && detail.starts_with("locked for"))
        .count();
    assert_eq!(starts, 1, "one lock, so one mail");
    let log = owner.get("/log-akses").await;
    assert!(
        log.body.contains("password_locked"),
        "the lock is in the log"
    );
}

#[tokio::test]
async fn a_trusted_cookie_of_another_account_or_a_made_up_one_trusts_nothing() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK51", UserKind::NonPenyedia).await;
    app.add_active_user("PPK52", UserKind::NonPenyedia).await;
    let theirs = app
        .login(UserKind::NonPenyedia, "PPK51", PASSWORD, &key)
        .await;
    for _ in 0..10 {
        app.browser()
            .password_step(UserKind::NonPenyedia, "PPK52", "tebakan salah")
            .await;
    }
    // PPK51's trusted browser is not trusted for PPK52.
    let page = theirs
        .password_step(UserKind::NonPenyedia, "PPK52", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}

/// Wrong codes typed at the web code step by someone who knows the password lock that
/// step, but not the owner's approvals in the app: the number is counted per device.
#[tokio::test]
async fn wrong_codes_from_elsewhere_do_not_block_the_owners_approval() {
    let app = spawn_app().await;
    let device = crate::push_support::enrolled_user(&app, "PPK53").await;
    let (attacker, _) = crate::push_support::at_acceptor(&app, "PPK53").await;
    for _ in 0..5 {
        attacker.post("/totp/acceptor", &[("code", "000000")]).await;
    }
    let locked = attacker.post("/totp/acceptor", &[("code", "000000")]).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the code step is locked"
    );

    app.clock.advance(1); // the owner's approval is the newest
    let (owner, number) = crate::push_support::at_acceptor(&app, "PPK53").await;
    let id = device.newest(&app).await;
    let (status, body) = device.decide(&app, &id, "approve", number).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = owner.get("/totp/acceptor").await;
    assert!(page.body.contains("Login PPK53 diterima"), "{}", page.body);
}

/// The trusted browser's code step counts on its own too: the attacker who knows the
/// password and types wrong codes locks the code step for every other browser, not for
/// the owner's; and the owner's own wrong codes lock only their browser.
#[tokio::test]
async fn wrong_codes_from_elsewhere_do_not_lock_the_trusted_browsers_code_step() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK54", UserKind::NonPenyedia).await;
    let owner = app
        .login(UserKind::NonPenyedia, "PPK54", PASSWORD, &key)
        .await;
    owner.post("/logout", &[]).await;

    let attacker = Browser::from_address(&app.base, "127.0.0.2".parse().unwrap());
    attacker
        .password_step(UserKind::NonPenyedia, "PPK54", PASSWORD)
        .await;
    attacker.get("/totp/acceptor").await;
    for _ in 0..5 {
        attacker.post("/totp/acceptor", &[("code", "000000")]).await;
    }
    let locked = attacker.post("/totp/acceptor", &[("code", "000000")]).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(30);
    let right = attacker
        .post("/totp/acceptor", &[("code", &app.code(&key))])
        .await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even a right code from an untrusted browser waits for the lock"
    );

    // The owner, in the browser trusted before, gets in with the next code.
    app.clock.advance(30);
    owner
        .password_step(UserKind::NonPenyedia, "PPK54", PASSWORD)
        .await;
    owner.get("/totp/acceptor").await;
    let done = owner
        .post("/totp/acceptor", &[("code", &app.code(&key))])
        .await;
    assert_eq!(done.location(), Some("/beranda"), "{}", done.body);
    owner.post("/logout", &[]).await;

    // The owner's own five wrong codes lock their browser's code step, which then
    // refuses a right code too until it ends.
    app.clock.advance(30);
    owner
        .password_step(UserKind::NonPenyedia, "PPK54", PASSWORD)
        .await;
    owner.get("/totp/acceptor").await;
    for _ in 0..5 {
        owner.post("/totp/acceptor", &[("code", "000000")]).await;
    }
    app.clock.advance(30);
    let page = owner
        .post("/totp/acceptor", &[("code", &app.code(&key))])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    let trusted_failures = app
        .count("SELECT COUNT(*) FROM trusted_browsers WHERE totp_locked_until > 0")
        .await;
    assert_eq!(trusted_failures, 1, "the lock is the browser's own");
}
