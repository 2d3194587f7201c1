use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

#[tokio::test]
async fn first_login_activates_totp_and_reaches_the_beranda() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let b = app.browser();

    let home = b.get("/").await;
    assert!(home.body.contains("href=\"/login\""), "LOGIN in the menu");
    let choose = b.get("/login").await;
    assert!(choose.body.contains("Penyedia") && choose.body.contains("Non Penyedia"));

    let page = b
        .password_step(UserKind::NonPenyedia, "ppk1", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/totp/aktivasi"));

    let activation = b.get("/totp/aktivasi").await;
    assert!(activation.body.contains("id=\"totp-qr\""));
    assert_eq!(activation.by_id("user-id").as_deref(), Some("PPK1"));
    let key = b.activation_key().await;
    assert_eq!(key.secret().len(), 20, "160-bit secret");

    let done = b.post("/totp/aktivasi", &[("code", &app.code(&key))]).await;
    assert_eq!(done.location(), Some("/beranda"));
    let beranda = b.get("/beranda").await;
    assert_eq!(beranda.status, StatusCode::OK);
    assert_eq!(beranda.by_id("user-id").as_deref(), Some("PPK1"));
    assert_eq!(beranda.by_id("user-kind").as_deref(), Some("Non Penyedia"));
    assert_eq!(beranda.by_id("totp-status").as_deref(), Some("Aktif"));
    assert!(beranda.body.contains("BERANDA") && beranda.body.contains("LOGOUT"));
    for menu in ["/log-akses", "/ganti-password"] {
        assert!(
            beranda.body.contains(&format!("href=\"{menu}\"")),
            "{menu} in the menu"
        );
        assert_eq!(b.get(menu).await.status, StatusCode::OK, "{menu} is live");
    }
    assert!(beranda.body.contains("href=\"/totp/disable\""));
    assert_eq!(b.get("/totp/disable").await.status, StatusCode::OK);
    assert!(
        beranda
            .by_id("app-version")
            .unwrap()
            .contains(env!("CARGO_PKG_VERSION"))
    );
    assert!(beranda.by_id("server-time").unwrap().ends_with("WIB"));
    // 2027-01-15 08:00 UTC is 15:00 WIB.
    assert!(
        beranda
            .by_id("server-time")
            .unwrap()
            .contains("15-01-2027 15:0")
    );

    assert_eq!(app.events("PPK1").await, ["totp_activated", "login_ok"]);
    let activation_rows = app.count("SELECT COUNT(*) FROM totp_activations").await;
    assert_eq!(activation_rows, 0, "the pending secret is consumed");
    let mails = app.wait_for_outbox(1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: ppk1@lpse.example.go.id"));
    assert!(mails[0].contains("TOTP SPSE diaktifkan"));
}

#[tokio::test]
async fn later_logins_use_the_acceptor_and_a_code() {
    let app = spawn_app().await;
    let key = app.add_active_user("pp30", UserKind::NonPenyedia).await;
    let b = app.browser();
    let page = b
        .password_step(UserKind::NonPenyedia, "PP30", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/acceptor"));
    let acceptor = b.get("/totp/acceptor").await;
    assert!(acceptor.body.contains("Acceptor"));
    assert_eq!(acceptor.by_id("user-id").as_deref(), Some("pp30"));
    assert_eq!(acceptor.by_id("totp-status").as_deref(), Some("Aktif"));
    let done = b.post("/totp/acceptor", &[("code", &app.code(&key))]).await;
    assert_eq!(done.location(), Some("/beranda"));
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_login_failure_looks_the_same() {
    let app = spawn_app().await;
    app.add_user("vendor1", UserKind::Penyedia).await;
    app.add_user("staff1", UserKind::NonPenyedia).await;
    app.add_user("gone1", UserKind::Penyedia).await;
    sqlx::query("UPDATE users SET disabled = 1 WHERE user_key = 'gone1'")
        .execute(&app.db)
        .await
        .unwrap();
    app.add_user("locked1", UserKind::Penyedia).await;
    sqlx::query("UPDATE users SET password_locked_until = $1 WHERE user_key = 'locked1'")
        .bind(START + 600)
        .execute(&app.db)
        .await
        .unwrap();

    let cases = [
        ("unknown user", UserKind::Penyedia, "nobody", PASSWORD),
        (
            "wrong password",
            UserKind::Penyedia,
            "vendor1",
            "not the password",
        ),
        ("wrong door", UserKind::Penyedia, "staff1", PASSWORD),
        ("disabled", UserKind::Penyedia, "gone1", PASSWORD),
        (
            "locked, right password",
            UserKind::Penyedia,
            "locked1",
            PASSWORD,
        ),
    ];
    for (case, kind, user_id, password) in cases {
        let page = app.browser().password_step(kind, user_id, password).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(
            page.error().as_deref(),
            Some("User ID atau password salah."),
            "{case}"
        );
        assert!(page.location().is_none(), "{case}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE stage <> 'identified'")
            .await,
        0
    );
}

#[tokio::test]
async fn user_ids_are_case_insensitive_and_checked() {
    let app = spawn_app().await;
    app.add_user("PPK30", UserKind::NonPenyedia).await;
    let page = app
        .browser()
        .password_step(UserKind::NonPenyedia, "pPk30", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));

    let long = "a".repeat(10_000);
    for bad in [
        "",
        "   ",
        long.as_str(),
        "ppk\0",
        "рpk30",
        "ＰＰＫ３０",
        "ppk 30",
    ] {
        let b = app.browser();
        b.get("/login/non-penyedia").await;
        let page = b.post("/login/non-penyedia", &[("user_id", bad)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(
            page.error().unwrap().contains("User ID hanya boleh"),
            "{bad:?}"
        );
        assert!(b.session_cookie().is_none(), "no session for {bad:?}");
    }
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    b.post("/totp/acceptor", &[("code", &app.code(&key))]).await;
    let kept = b.session_cookie().expect("session cookie");
    b.get("/beranda").await;
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.location(), Some("/?ended=logout"));
    assert_eq!(b.get("/beranda").await.location(), Some("/login"));
    let replay = Browser::with_session_cookie(&app.base, &kept);
    assert_eq!(
        replay.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "old id is dead"
    );
    let hash = spse_domain::token::hash(&kept);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = '{hash}'"
        ))
        .await,
        0
    );
    assert!(
        app.events("PPK1")
            .await
            .ends_with(&["login_ok".to_string(), "logout".to_string()])
    );
}

#[tokio::test]
async fn an_expired_activation_sends_the_user_back_to_login() {
    let app = spawn_app().await;
    app.add_user("PPK2", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK2", PASSWORD)
        .await;
    let key = b.activation_key().await;
    // 15 minutes: one second before the end the page still works ...
    app.clock.advance(15 * 60 - 1);
    assert_eq!(b.get("/totp/aktivasi").await.status, StatusCode::OK);
    // ... and at the end neither the page nor a correct code does.
    app.clock.advance(1);
    let code = app.code(&key);
    let page = b.post("/totp/aktivasi", &[("code", &code)]).await;
    assert_ne!(page.location(), Some("/beranda"));
    assert!(
        page.status == StatusCode::GONE || page.status == StatusCode::UNAUTHORIZED,
        "{}",
        page.status
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn english_on_request_and_kept_in_a_cookie() {
    let app = spawn_app().await;
    let b = app.browser();
    let page = b.get("/login?lang=en").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("Choose your kind of account"));
    let next = b.get("/login/penyedia").await;
    assert!(next.body.contains("<html lang=\"en\">"), "kept by cookie");
    let back = b.get("/?lang=id").await;
    assert!(back.body.contains("<html lang=\"id\">"));
}

#[tokio::test]
async fn totp_can_be_optional_by_setting() {
    let app = spawn_with(|raw| raw.set("totp_required", "false")).await;
    app.add_user("vendor9", UserKind::Penyedia).await;
    let page = app
        .browser()
        .password_step(UserKind::Penyedia, "vendor9", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/beranda"));
}
