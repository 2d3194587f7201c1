use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use spse_domain::user::UserKind;

use crate::helpers::*;

#[tokio::test]
async fn security_headers_on_every_page() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/login/penyedia", "/nowhere"] {
        let page = app.browser().get(path).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(page.headers["x-content-type-options"], "nosniff", "{path}");
        assert!(page.headers.contains_key("referrer-policy"), "{path}");
        assert!(
            !page.headers.contains_key("strict-transport-security"),
            "no HSTS on plain http"
        );
    }
    let missing = app.browser().get("/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Halaman tidak ditemukan"));
}

#[tokio::test]
async fn https_deployments_get_host_prefixed_secure_cookies_and_hsts() {
    let app = spawn_with(|raw| raw.set("public_url", "https://lpse.example.go.id")).await;
    let page = app
        .browser()
        .client
        .get(format!("{}/login/penyedia", app.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(page.headers().contains_key("strict-transport-security"));
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-spse_csrf="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Domain="));
}

#[tokio::test]
async fn session_id_changes_at_each_step_and_only_its_hash_is_stored() {
    let app = spawn_app().await;
    app.add_user("vendor1", UserKind::Penyedia).await;
    let b = app.browser();
    b.start_login(UserKind::Penyedia, "vendor1").await;
    let identified = b.session_cookie().unwrap();
    b.post("/login/password", &[("password", PASSWORD)]).await;
    let password_ok = b.session_cookie().unwrap();
    assert_eq!(password_ok.len(), 64, "256-bit id");
    assert_ne!(identified, password_ok);
    let key = b.activation_key().await;
    b.post("/totp/aktivasi", &[("code", &app.code(&key))]).await;
    let full = b.session_cookie().unwrap();
    assert_ne!(password_ok, full);
    let replay = Browser::with_session_cookie(&app.base, &password_ok);
    assert_eq!(
        replay.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "old id destroyed"
    );
    // The user ID step's claim has no row to destroy, and opens nothing but the
    // password form it stood for.
    let replay = Browser::with_session_cookie(&app.base, &identified);
    assert_ne!(replay.get("/beranda").await.status, StatusCode::OK);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = '{}'",
            spse_domain::token::hash(&identified)
        ))
        .await,
        0
    );
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = '{full}'"
        ))
        .await;
    assert_eq!(stored, 0, "the raw id is never stored");
    let hashed = spse_domain::token::hash(&full);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = '{hashed}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_password_only_session_reaches_nothing_but_the_totp_step() {
    let app = spawn_app().await;
    app.add_active_user("vendor2", UserKind::Penyedia).await;
    let b = app.browser();
    b.password_step(UserKind::Penyedia, "vendor2", PASSWORD)
        .await;
    let beranda = b.get("/beranda").await;
    assert_eq!(beranda.status, StatusCode::SEE_OTHER);
    assert_eq!(beranda.location(), Some("/totp/acceptor"));
    assert_eq!(
        b.get("/totp/aktivasi").await.location(),
        Some("/totp/acceptor"),
        "no second factor added"
    );
    assert_eq!(
        b.get("/totp/aktivasi/qr.png").await.status,
        StatusCode::UNAUTHORIZED
    );
    let home = b.get("/").await;
    assert!(!home.body.contains("LOGOUT"), "not shown as signed in");
}

#[tokio::test]
async fn forms_without_the_right_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    app.add_user("vendor3", UserKind::Penyedia).await;
    let b = app.browser();
    b.get("/login/penyedia").await;
    let no_token = b
        .post_raw("/login/penyedia", &[("user_id", "vendor3")])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = b
        .post_raw(
            "/login/penyedia",
            &[("csrf_token", &"0".repeat(64)), ("user_id", "vendor3")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.body.contains("token keamanan"));
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = b
            .client
            .post(format!("{}/login/penyedia", app.base))
            .header(header, value)
            .form(&[("csrf_token", b.csrf().as_str()), ("user_id", "vendor3")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{header}: {value}"
        );
    }
    // The user ID step keeps its claim in the cookie, not in a row.
    assert!(
        b.session_cookie().is_none(),
        "no refused post made a session"
    );
    let same_origin = b
        .client
        .post(format!("{}/login/penyedia", app.base))
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", b.csrf().as_str()), ("user_id", "vendor3")])
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::SEE_OTHER);
    assert!(
        b.session_cookie().is_some(),
        "only the same-origin post made a session"
    );
}

#[tokio::test]
async fn duplicate_fields_and_oversized_bodies_are_refused_before_any_work() {
    let app = spawn_app().await;
    app.add_user("vendor4", UserKind::Penyedia).await;
    let b = app.browser();
    b.get("/login/penyedia").await;
    let token = b.csrf();
    let twice = b
        .post_raw(
            "/login/penyedia",
            &[
                ("csrf_token", &token),
                ("user_id", "vendor4"),
                ("user_id", "other"),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);

    b.start_login(UserKind::Penyedia, "vendor4").await;
    b.get("/login/password").await;
    let huge = "x".repeat(1_000_000);
    let page = b.post("/login/password", &[("password", &huge)]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    let kilobytes = "x".repeat(2_000);
    let page = b.post("/login/password", &[("password", &kilobytes)]).await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "over 1 KiB: refused without hashing"
    );
    assert!(
        app.events("vendor4").await.is_empty(),
        "no hash was checked, nothing counted"
    );
}

#[tokio::test]
async fn nfc_and_nfd_passwords_are_the_same_password() {
    let app = spawn_app().await;
    app.auth
        .add_user(spse_usecases::NewUserInput {
            user_id: "vendor5".into(),
            kind: UserKind::Penyedia,
            email: "vendor5@example.go.id".into(),
            name: "Vendor".into(),
            role: spse_domain::user::Role::User,
            password: "caf\u{e9} latte pagi".into(),
        })
        .await
        .unwrap();
    let page = app
        .browser()
        .password_step(UserKind::Penyedia, "vendor5", "cafe\u{301} latte pagi")
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_and_twelve_hours() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor6", UserKind::Penyedia).await;
    let b = app.browser();
    b.password_step(UserKind::Penyedia, "vendor6", PASSWORD)
        .await;
    b.post("/totp/acceptor", &[("code", &app.code(&key))]).await;
    let started = app.clock.now_u64() as i64;
    app.clock.set(started + 30 * 60 - 1);
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK, "29:59 idle");
    // Active every 29 minutes: still alive just before 12 hours, gone at 12 hours.
    let mut t = started + 30 * 60 - 1;
    while t + 29 * 60 < started + 12 * 3600 {
        t += 29 * 60;
        app.clock.set(t);
        assert_eq!(
            b.get("/beranda").await.status,
            StatusCode::OK,
            "at {}",
            t - started
        );
    }
    app.clock.set(started + 12 * 3600 - 1);
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
    app.clock.set(started + 12 * 3600);
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=limit"),
        "absolute limit"
    );

    let b = app.browser();
    app.clock.advance(60);
    b.password_step(UserKind::Penyedia, "vendor6", PASSWORD)
        .await;
    b.post("/totp/acceptor", &[("code", &app.code(&key))]).await;
    app.clock.advance(30 * 60);
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login?ended=idle"),
        "idle limit"
    );
}

#[tokio::test]
async fn health_reports_the_database_on_the_management_listener() {
    let app = spawn_app().await;
    let response = reqwest::get(format!("{}/healthz", app.management))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["migrations"], "current");
    assert_eq!(body["key"], "ok");
    let live = reqwest::get(format!("{}/healthz/live", app.management))
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

/// A load balancer gets readiness on the public port, without the detail; metrics and
/// the other checks are not there at all.
#[tokio::test]
async fn the_public_listener_serves_no_metrics_and_no_health_detail() {
    let app = spawn_app().await;
    let response = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
    for path in ["/metrics", "/healthz/live", "/healthz/ready"] {
        let response = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("spse_auth_"), "{path}: {text}");
    }
    let management = reqwest::get(format!("{}/metrics", app.management))
        .await
        .unwrap();
    assert_eq!(management.status(), StatusCode::OK);
    let pages = reqwest::get(format!("{}/login", app.management))
        .await
        .unwrap();
    assert_eq!(pages.status(), StatusCode::NOT_FOUND, "no pages there");
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    for (trusted, expected) in [("", "127.0.0.1"), ("127.0.0.1", "198.51.100.7")] {
        let app = spawn_with(|raw| raw.set("trusted_proxies", trusted)).await;
        app.add_user("vendor7", UserKind::Penyedia).await;
        let b = app.browser();
        b.start_login(UserKind::Penyedia, "vendor7").await;
        b.client
            .post(format!("{}/login/password", app.base))
            .header("x-forwarded-for", "198.51.100.7")
            .form(&[
                ("csrf_token", b.csrf().as_str()),
                ("password", "wrong password"),
            ])
            .send()
            .await
            .unwrap();
        let ip: String =
            sqlx::query_scalar("SELECT ip FROM access_events WHERE user_id = 'vendor7'")
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(ip, expected, "trusted proxies: {trusted:?}");
    }
}

#[tokio::test]
async fn metrics_count_events_requests_and_shared_state() {
    let app = spawn_app().await;
    app.add_user("vendor8", UserKind::Penyedia).await;
    app.browser()
        .password_step(UserKind::Penyedia, "vendor8", "wrong password")
        .await;
    app.browser()
        .password_step(UserKind::Penyedia, "vendor8", PASSWORD)
        .await;
    let text = reqwest::get(format!("{}/metrics", app.management))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "spse_auth_events_total{event=\"password_wrong\"} 1",
        "spse_auth_http_requests_total{route=\"/login/password\",method=\"POST\",status=\"401\"} 1",
        "spse_auth_http_request_duration_seconds_count{route=\"/login/{kind}\"}",
        "spse_auth_state{name=\"pending_activations\"} 1",
        // The wrong password's login stays a claim in its cookie: no row.
        "spse_auth_state{name=\"sessions_half_open\"} 1",
        "spse_auth_state{name=\"mail_queued\"} 0",
        "spse_auth_db_pool_connections{name=\"open\"}",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("vendor8"), "no user IDs in labels");
}
