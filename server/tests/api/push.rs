//! Push approval and enrolment through the authenticator API, with real signatures.

use reqwest::StatusCode;
use spse_domain::user::UserKind;
use spse_protocol::api::{self, DeviceKey};

use crate::helpers::*;
use crate::push_support::*;

#[tokio::test]
async fn enrolment_activates_and_the_waiting_page_moves_on() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    let uri = scan_qr(&b).await;
    assert_eq!(uri.server.as_deref(), Some(app.base.as_str()));

    // The page's event stream is open before the app enrols ...
    let events = b
        .client
        .get(format!("{}/totp/aktivasi/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let key = DeviceKey::generate();
    let (status, body) = enroll(&app, &uri, &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["account"], "PPK1");
    // ... and tells the page at once.
    let text = tokio::time::timeout(std::time::Duration::from_secs(10), events.text())
        .await
        .unwrap()
        .unwrap();
    assert!(text.contains("event: done"), "{text}");

    // A plain reload (no JS) moves on too, with a new full session.
    let before = b.session_cookie();
    let page = b.get("/totp/aktivasi").await;
    assert_eq!(page.location(), Some("/beranda"));
    assert_ne!(b.session_cookie(), before);
    assert_eq!(
        b.get("/beranda").await.by_id("totp-status").as_deref(),
        Some("Aktif")
    );
    assert_eq!(app.events("PPK1").await, ["totp_activated", "login_ok"]);

    // The same QR on a second device is refused.
    app.clock.advance(30);
    let (status, body) = enroll(&app, &uri, &DeviceKey::generate()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn approve_with_the_number_and_the_page_continues() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK2").await;
    let (b, number) = at_acceptor(&app, "PPK2").await;
    let number = number.expect("the acceptor shows a number");
    assert!((10..=99).contains(&number));

    let (status, list) = device.pending(&app).await;
    assert_eq!(status, StatusCode::OK);
    let pending = &list["approvals"][0];
    assert_eq!(pending["account"], "PPK2");
    assert_eq!(pending["ip"], "127.0.0.1");
    assert!(
        pending["user_agent"]
            .as_str()
            .unwrap()
            .contains("spse-auth-tests")
    );
    assert!(
        pending.get("number").is_none(),
        "the number is never sent to the app"
    );

    let id = pending["id"].as_str().unwrap();
    let (status, body) = device.decide(&app, id, "approve", Some(number)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let page = b.get("/totp/acceptor").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.by_id("decision").as_deref(),
        Some("Login PPK2 diterima, halaman akan direload ke beranda")
    );
    assert!(
        page.body
            .contains("http-equiv=\"refresh\" content=\"2;url=/beranda\"")
    );
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
    assert!(
        app.events("PPK2")
            .await
            .ends_with(&["approval_ok".into(), "login_ok".into()])
    );

    // Decided once: a second decision, or a reload, changes nothing.
    let (status, body) = device.decide(&app, id, "deny", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_decided"))
    );
}

#[tokio::test]
async fn five_wrong_numbers_lock_approvals_on_that_device() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK3").await;
    let (_b, number) = at_acceptor(&app, "PPK3").await;
    let wrong = if number.unwrap() == 10 { 11 } else { 10 };
    let id = device.newest(&app).await;
    for attempt in 1..=5 {
        let (status, body) = device.decide(&app, &id, "approve", Some(wrong)).await;
        let expected = if attempt < 5 {
            "wrong_number"
        } else {
            "locked"
        };
        assert_eq!(body["error"], expected, "attempt {attempt}: {status}");
    }
    // Locked: even the right number is refused now.
    let (status, body) = device.decide(&app, &id, "approve", number).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::LOCKED, Some("locked"))
    );
}

#[tokio::test]
async fn deny_ends_the_attempt_and_not_me_pauses_approvals() {
    let app = spawn_with(|raw| raw.set("approval_cooldown_minutes", "15")).await;
    let device = enrolled_user(&app, "PPK4").await;

    let (b, _) = at_acceptor(&app, "PPK4").await;
    let id = device.newest(&app).await;
    assert_eq!(
        device.decide(&app, &id, "deny", None).await.0,
        StatusCode::OK
    );
    // The attempt ended with the decision: a right code on its session opens nothing.
    let code = app.code(&device.totp);
    let late = b.post("/totp/acceptor", &[("code", code.as_str())]).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        b.get("/beranda").await.status,
        StatusCode::SEE_OTHER,
        "no session"
    );
    let page = b.get("/totp/acceptor").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.by_id("decision").unwrap().contains("ditolak"));
    assert_eq!(
        b.get("/totp/acceptor").await.status,
        StatusCode::UNAUTHORIZED,
        "the attempt is over"
    );

    app.clock.advance(60); // past the short pause after a plain denial
    let (_b, number) = at_acceptor(&app, "PPK4").await;
    assert!(number.is_some());
    let id = device.newest(&app).await;
    assert_eq!(
        device.decide(&app, &id, "not_me", None).await.0,
        StatusCode::OK
    );
    let not_me_at = app.clock.now_u64() as i64;
    let events = app.events("PPK4").await;
    assert!(
        events.contains(&"approval_denied".into()) && events.contains(&"approval_not_me".into())
    );
    // Not-me is mailed to the user (the worker writes it in the background).
    app.mail_with("Bukan saya").await;

    // During the cooldown a login gets no approval (the code still works) ...
    app.clock.set(not_me_at + 15 * 60 - 1);
    let (_b, number) = at_acceptor_via_new_password(&app, "PPK4").await;
    assert_eq!(number, None);
    // ... and at its end approvals come back.
    app.clock.set(not_me_at + 15 * 60);
    let (_b, number) = at_acceptor_via_new_password(&app, "PPK4").await;
    assert!(number.is_some());
}

#[tokio::test]
async fn an_approval_expires_after_two_minutes() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK5").await;
    let (b, number) = at_acceptor(&app, "PPK5").await;
    let id = device.newest(&app).await;
    let created = app.clock.now_u64() as i64;
    app.clock.set(created + 120);
    let (status, body) = device.decide(&app, &id, "approve", number).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("expired"))
    );
    assert_eq!(
        device.pending(&app).await.1["approvals"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        b.get("/totp/acceptor").await.by_id("approval-number"),
        None,
        "code form only"
    );

    let (b, number) = at_acceptor(&app, "PPK5").await;
    let id = device.newest(&app).await;
    app.clock.advance(119);
    assert_eq!(
        device.decide(&app, &id, "approve", number).await.0,
        StatusCode::OK,
        "one second before"
    );
    assert!(b.get("/totp/acceptor").await.body.contains("diterima"));
}

#[tokio::test]
async fn at_most_three_pending_approvals() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK6").await;
    for _ in 0..3 {
        assert!(at_acceptor(&app, "PPK6").await.1.is_some());
    }
    let (_b, fourth) = at_acceptor(&app, "PPK6").await;
    assert_eq!(fourth, None, "the fourth login gets no new approval");
    assert_eq!(
        device.pending(&app).await.1["approvals"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn two_decisions_at_once_one_wins() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK7").await;
    let (_b, number) = at_acceptor(&app, "PPK7").await;
    let id = device.newest(&app).await;
    let (a, b) = tokio::join!(
        device.decide(&app, &id, "approve", number),
        device.decide(&app, &id, "deny", None)
    );
    let statuses = [a.0, b.0];
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
}

#[tokio::test]
async fn signatures_timestamps_and_nonces_are_checked() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK8").await;
    let path = api::APPROVALS_PATH;
    let now = app.clock.now_u64() as i64;

    let stranger = DeviceKey::generate();
    let (status, body) = signed(&app, &stranger, &device.id, "GET", path, b"").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );

    let (status, body) = signed(&app, &device.key, "no-such-device", "GET", path, b"").await;
    assert_eq!(body["error"], "unknown_device", "{status}");

    for (offset, ok) in [(-61, false), (-60, true), (60, true), (61, false)] {
        let (status, body) = signed_at(
            &app,
            &device.key,
            &device.id,
            "GET",
            path,
            b"",
            now + offset,
        )
        .await;
        assert_eq!(status == StatusCode::OK, ok, "offset {offset}: {body}");
        if !ok {
            assert_eq!(body["error"], "clock_skew");
        }
    }

    let headers = device.key.sign("GET", path, now, b"");
    assert_eq!(
        send(&app, &device.id, "GET", path, b"", &headers).await.0,
        StatusCode::OK
    );
    let (status, body) = send(&app, &device.id, "GET", path, b"", &headers).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("replayed"))
    );

    // A body changed after signing does not verify.
    let (_b, number) = at_acceptor(&app, "PPK8").await;
    let id = device.newest(&app).await;
    let signed_body = serde_json::json!({ "decision": "deny", "number": null }).to_string();
    let h = device.key.sign(
        "POST",
        &api::decision_path(&id),
        now,
        signed_body.as_bytes(),
    );
    let forged = serde_json::json!({ "decision": "approve", "number": number }).to_string();
    let (status, _) = send(
        &app,
        &device.id,
        "POST",
        &api::decision_path(&id),
        forged.as_bytes(),
        &h,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_new_device_revokes_the_old_one() {
    let app = spawn_app().await;
    let old = enrolled_user(&app, "PPK9").await;
    // The phone is lost: TOTP is reset (as the helpdesk or the emailed link does).
    sqlx::query("UPDATE users SET totp_secret = NULL WHERE user_key = 'ppk9'")
        .execute(&app.db)
        .await
        .unwrap();
    let b = app.browser();
    assert_eq!(
        b.password_step(UserKind::NonPenyedia, "PPK9", PASSWORD)
            .await
            .location(),
        Some("/totp/aktivasi")
    );
    let uri = scan_qr(&b).await;
    let (status, _) = enroll(&app, &uri, &DeviceKey::generate()).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(30);

    let (status, body) = old.pending(&app).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_device"))
    );
    let (b, _) = at_acceptor(&app, "PPK9").await;
    let page = b
        .post("/totp/acceptor", &[("code", &app.code(&old.totp))])
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "the old secret's codes are refused"
    );
}

#[tokio::test]
async fn the_acceptor_event_stream_fires_on_the_decision() {
    let app = spawn_app().await;
    let device = enrolled_user(&app, "PPK10").await;
    let (b, number) = at_acceptor(&app, "PPK10").await;
    let events = b
        .client
        .get(format!("{}/totp/acceptor/events", app.base))
        .send()
        .await
        .unwrap();
    let id = device.newest(&app).await;
    assert_eq!(
        device.decide(&app, &id, "approve", number).await.0,
        StatusCode::OK
    );
    let text = tokio::time::timeout(std::time::Duration::from_secs(10), events.text())
        .await
        .unwrap()
        .unwrap();
    assert!(text.contains("event: done"));
}
