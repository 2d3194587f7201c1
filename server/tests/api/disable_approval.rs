//! DISABLE TOTP confirmed by an approval in SPSE Authenticator instead of a typed code:
//! asked for from the signed-in session, decided in the app with the number, used once.

use reqwest::StatusCode;
use spse_usecases::APPROVAL_SECS;

use crate::helpers::*;
use crate::push_support::{Device, at_acceptor, enrolled_user};
use spse_testkit::Browser;

/// A full session of `user_id`, signed in by an approval in the app.
async fn signed_in(app: &TestApp, device: &Device, user_id: &str) -> Browser {
    let (b, number) = at_acceptor(app, user_id).await;
    let id = device.newest(app).await;
    let (status, body) = device.decide(app, &id, "approve", number).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    b.get("/totp/acceptor").await;
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
    b
}

async fn by_approval(b: &Browser) -> Page {
    b.post("/totp/disable", &[("by", "approval")]).await
}

#[tokio::test]
async fn an_approval_in_the_app_confirms_disable_totp() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK60").await;
    let b = signed_in(&app, &device, "PPK60").await;

    let confirm = b.get("/totp/disable").await;
    assert!(
        confirm.by_id("disable-ask-approval").is_some(),
        "{}",
        confirm.body
    );
    let unasked = by_approval(&b).await;
    assert_eq!(unasked.status, StatusCode::CONFLICT);
    assert!(
        unasked
            .error()
            .unwrap()
            .contains("Tidak ada permintaan persetujuan")
    );

    let asked = b.post("/totp/disable/approval", &[]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let number: i64 = asked.by_id("disable-number").unwrap().parse().unwrap();
    let (_, list) = device.pending(&app).await;
    assert_eq!(list["approvals"][0]["purpose"], "disable_totp", "{list}");
    let id = device.newest(&app).await;

    let early = by_approval(&b).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.error().unwrap().contains("belum disetujui"));
    assert!(app.has_totp("PPK60").await);

    let wrong = (number + 1 - 10) % 90 + 10;
    let (status, _) = device.decide(&app, &id, "approve", Some(wrong)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(by_approval(&b).await.status, StatusCode::CONFLICT);

    let (status, body) = device.decide(&app, &id, "approve", Some(number)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = by_approval(&b).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.by_id("disable-done").is_some());
    assert!(!app.has_totp("PPK60").await);
    assert!(
        app.event_details("PPK60")
            .await
            .contains(&("totp_disabled".to_string(), "approval".to_string()))
    );
    assert_eq!(b.get("/beranda").await.location(), Some("/login"));
}

#[tokio::test]
async fn an_approval_waits_until_its_deadline_and_is_taken_soon_after() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK61").await;
    let b = signed_in(&app, &device, "PPK61").await;

    // Undecided: waiting up to the last second, gone at the deadline.
    b.post("/totp/disable/approval", &[]).await;
    app.clock.advance(APPROVAL_SECS - 1);
    let page = b.get("/totp/disable").await;
    assert!(page.by_id("disable-number").is_some(), "{}", page.body);
    assert!(
        by_approval(&b)
            .await
            .error()
            .unwrap()
            .contains("belum disetujui")
    );
    app.clock.advance(1);
    assert!(
        b.get("/totp/disable")
            .await
            .by_id("disable-number")
            .is_none()
    );
    let late = by_approval(&b).await;
    assert!(
        late.error().unwrap().contains("Tidak ada permintaan"),
        "{}",
        late.body
    );

    // Approved: usable until one approval-lifetime past its deadline, not after.
    let asked = b.post("/totp/disable/approval", &[]).await;
    let number: i64 = asked.by_id("disable-number").unwrap().parse().unwrap();
    let id = device.newest(&app).await;
    device.decide(&app, &id, "approve", Some(number)).await;
    app.clock.advance(2 * APPROVAL_SECS);
    assert_eq!(by_approval(&b).await.status, StatusCode::CONFLICT);
    assert!(app.has_totp("PPK61").await);

    let asked = b.post("/totp/disable/approval", &[]).await;
    let number: i64 = asked.by_id("disable-number").unwrap().parse().unwrap();
    let id = device.newest(&app).await;
    device.decide(&app, &id, "approve", Some(number)).await;
    app.clock.advance(2 * APPROVAL_SECS - 1);
    assert_eq!(by_approval(&b).await.status, StatusCode::OK);
    assert!(!app.has_totp("PPK61").await);
}

#[tokio::test]
async fn not_me_on_a_disable_request_ends_every_session_and_keeps_totp() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK62").await;
    let b = signed_in(&app, &device, "PPK62").await;
    app.clock.advance(1);
    let other = signed_in(&app, &device, "PPK62").await;

    b.post("/totp/disable/approval", &[]).await;
    let id = device.newest(&app).await;
    let (status, body) = device.decide(&app, &id, "not_me", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=elsewhere")
    );
    assert_eq!(
        other.get("/beranda").await.location(),
        Some("/login?ended=elsewhere")
    );
    assert!(app.has_totp("PPK62").await);
    let mail = app.mail_with("DISABLE TOTP SPSE ditolak").await;
    assert!(mail.contains("To: ppk62@lpse.example.go.id"), "{mail}");
}

#[tokio::test]
async fn declining_ones_own_request_keeps_totp_and_the_session() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK63").await;
    let b = signed_in(&app, &device, "PPK63").await;
    b.post("/totp/disable/approval", &[]).await;
    let id = device.newest(&app).await;
    device.decide(&app, &id, "deny", None).await;
    let refused = by_approval(&b).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.error().unwrap().contains("ditolak"));
    assert!(app.has_totp("PPK63").await);
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
}
