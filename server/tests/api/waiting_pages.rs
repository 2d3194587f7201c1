//! The waiting pages when time runs out (WCAG 2.2.1): an approval that ran out says so
//! and offers a new one in one click; "Periksa lagi" without JavaScript keeps a code
//! being typed.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::push_support::*;

#[tokio::test]
async fn an_approval_that_ran_out_says_so_and_one_click_asks_again() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK5").await;
    let (b, first) = at_acceptor(&app, "PPK5").await;
    assert!(first.is_some());
    let created = app.clock.now_u64() as i64;

    // One second before the end: still waiting, nothing to ask again for.
    app.clock.set(created + 119);
    let page = b.get("/totp/acceptor").await;
    assert!(page.by_id("approval-number").is_some());
    assert!(!page.body.contains("id=\"new-approval\""));
    let early = b.post("/totp/acceptor/baru", &[]).await;
    assert!(early.body.contains("Permintaan baru belum dapat dikirim"));
    assert_eq!(
        device.pending(&app).await.1["approvals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // At the end: the page says the request ran out, and offers a new one.
    app.clock.set(created + 120);
    let page = b.get("/totp/acceptor").await;
    assert_eq!(page.by_id("approval-number"), None);
    assert!(
        page.body
            .contains("Waktu permintaan persetujuan sudah habis"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"new-approval\""));
    assert!(page.body.contains("id=\"code\""), "the code stays a way in");

    let asked = b.post("/totp/acceptor/baru", &[]).await;
    assert_eq!(asked.location(), Some("/totp/acceptor"));
    let page = b.get("/totp/acceptor").await;
    let number: i64 = page
        .by_id("approval-number")
        .expect("a new number")
        .parse()
        .unwrap();
    let id = device.newest(&app).await;
    let (status, body) = device.decide(&app, &id, "approve", Some(number)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(b.get("/totp/acceptor").await.body.contains("diterima"));
}

#[tokio::test]
async fn a_new_request_is_under_the_limits_of_the_first() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK6").await;
    let (b, _) = at_acceptor(&app, "PPK6").await;
    let id = device.newest(&app).await;
    // A plain "Tidak" pauses new approvals; the attempt is refused and ends.
    device.decide(&app, &id, "deny", None).await;
    assert_eq!(
        b.post("/totp/acceptor/baru", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.events("PPK6")
            .await
            .iter()
            .filter(|e| *e == "login_ok")
            .count(),
        0
    );
}

#[tokio::test]
async fn check_again_without_javascript_keeps_the_code_typed() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK7").await;
    let (b, number) = at_acceptor(&app, "PPK7").await;
    let page = b.get("/totp/acceptor").await;
    assert!(
        page.body
            .contains("formnovalidate class=\"secondary\" id=\"check-again\"")
    );

    // Not approved yet: the page again, with the half-typed code in its field.
    let page = b
        .post("/totp/acceptor", &[("code", "000000"), ("check", "1")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"000000\""), "{}", page.body);
    assert!(page.by_id("approval-number").is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE user_id = 'PPK7' AND totp_failures > 0")
            .await,
        0,
        "looking again is not a wrong code (nor a short one)"
    );
    // Approved meanwhile: looking again moves on.
    let id = device.newest(&app).await;
    device.decide(&app, &id, "approve", number).await;
    let page = b
        .post("/totp/acceptor", &[("code", "000000"), ("check", "1")])
        .await;
    assert!(page.body.contains("diterima"), "{}", page.body);
    // (The same code sent as a code is one.)
    let other = app.browser();
    other
        .password_step(UserKind::NonPenyedia, "PPK7", PASSWORD)
        .await;
    let right: u32 = app.code(&device.totp).parse().unwrap();
    let wrong = format!("{:06}", (right + 500_000) % 1_000_000);
    other.post("/totp/acceptor", &[("code", &wrong)]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE user_id = 'PPK7' AND totp_failures > 0")
            .await,
        1
    );
}

#[tokio::test]
async fn check_again_on_the_activation_page_keeps_the_code_typed() {
    let app = spawn_app().await;
    app.add_user("PPK8", UserKind::Penyedia).await;
    let b = app.browser();
    b.password_step(UserKind::Penyedia, "PPK8", PASSWORD).await;
    let page = b.get("/totp/aktivasi").await;
    assert!(page.body.contains("id=\"check-again\""));
    let page = b
        .post("/totp/aktivasi", &[("code", "98765"), ("check", "1")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"98765\""));
    assert!(page.body.contains("id=\"totp-qr\""));
}

#[tokio::test]
async fn an_activation_that_ran_out_says_so_and_leads_back_with_the_user_id() {
    let app = spawn_app().await;
    app.add_user("PPK9", UserKind::Penyedia).await;
    let b = app.browser();
    b.password_step(UserKind::Penyedia, "PPK9", PASSWORD).await;
    app.clock.advance(15 * 60 - 1);
    assert!(
        b.get("/totp/aktivasi")
            .await
            .body
            .contains("id=\"totp-qr\"")
    );
    app.clock.advance(1);
    let page = b.get("/totp/aktivasi").await;
    assert!(
        page.body
            .contains("Waktu aktivasi TOTP untuk PPK9 sudah habis"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/login/penyedia?user_id=PPK9\""));
    let again = b.get("/login/penyedia?user_id=PPK9").await;
    assert!(again.body.contains("name=\"user_id\" value=\"PPK9\""));
    // The signed-in pages say the login ran out, not that a session was ended.
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=attempt")
    );
}

#[tokio::test]
async fn a_login_attempt_that_ran_out_at_the_totp_step_says_so() {
    let app = spawn_app().await;
    app.add_active_user("PPK10", UserKind::NonPenyedia).await;
    let (b, _) = app
        .at_acceptor(UserKind::NonPenyedia, "PPK10", PASSWORD)
        .await;
    app.clock.advance(15 * 60);
    let page = b.get("/totp/acceptor").await;
    assert!(
        page.body
            .contains("Waktu langkah TOTP untuk PPK10 sudah habis"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("href=\"/login/non-penyedia?user_id=PPK10\"")
    );
}

#[tokio::test]
async fn a_timed_out_session_is_kept_a_day_to_say_why_then_swept() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK11", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK11", PASSWORD, &key)
        .await;
    let hash = spse_domain::token::hash(&b.session_cookie().unwrap());
    let rows = format!("SELECT COUNT(*) FROM sessions WHERE id_hash = '{hash}'");
    app.clock.advance(30 * 60);
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=idle")
    );
    app.auth.sweep_sessions().await.unwrap();
    assert_eq!(app.count(&rows).await, 1, "kept to say why");

    app.clock.advance(spse_usecases::ENDED_NOTICE_SECS - 1);
    app.auth.sweep_sessions().await.unwrap();
    assert_eq!(app.count(&rows).await, 1);
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=idle")
    );
    app.clock.advance(1);
    app.auth.sweep_sessions().await.unwrap();
    assert_eq!(app.count(&rows).await, 0, "swept a day later");
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=elsewhere")
    );
}
