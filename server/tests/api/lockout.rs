use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

async fn failures(app: &TestApp, user_key: &str, column: &str) -> i64 {
    app.count(&format!(
        "SELECT {column} FROM users WHERE user_key = '{user_key}'"
    ))
    .await
}

#[tokio::test]
async fn ten_wrong_passwords_lock_for_fifteen_minutes() {
    let app = spawn_app().await;
    app.add_user("vendor1", UserKind::Penyedia).await;
    for _ in 0..10 {
        let page = app
            .browser()
            .password_step(UserKind::Penyedia, "vendor1", "wrong password")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let locked_until = failures(&app, "vendor1", "password_locked_until").await;
    assert_eq!(locked_until, START + 15 * 60);
    // The right password while locked: the same answer as any failure, and no extension.
    app.clock.set(locked_until - 1);
    let page = app
        .browser()
        .password_step(UserKind::Penyedia, "vendor1", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        page.error().as_deref(),
        Some("User ID atau password salah.")
    );
    assert_eq!(
        failures(&app, "vendor1", "password_locked_until").await,
        locked_until
    );
    // At the boundary the lock is over.
    app.clock.set(locked_until);
    let page = app
        .browser()
        .password_step(UserKind::Penyedia, "vendor1", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
    assert_eq!(
        failures(&app, "vendor1", "password_lock_count").await,
        0,
        "success resets"
    );
    let events = app.events("vendor1").await;
    assert_eq!(events.iter().filter(|e| *e == "password_wrong").count(), 10);
    assert!(events.contains(&"password_locked".to_string()));
}

#[tokio::test]
async fn a_second_lock_in_a_row_lasts_longer() {
    let app = spawn_with(|raw| raw.set("password_max_failures", "3")).await;
    app.add_user("vendor2", UserKind::Penyedia).await;
    for round in 0..2 {
        for _ in 0..3 {
            app.browser()
                .password_step(UserKind::Penyedia, "vendor2", "wrong password")
                .await;
        }
        let until = failures(&app, "vendor2", "password_locked_until").await;
        let expected = 15 * 60 * (1 << round);
        assert_eq!(
            until - app.clock.now_u64() as i64,
            expected,
            "round {round}"
        );
        app.clock.set(until);
    }
}

#[tokio::test]
async fn a_success_resets_the_counter() {
    let app = spawn_app().await;
    app.add_user("vendor3", UserKind::Penyedia).await;
    for _ in 0..9 {
        app.browser()
            .password_step(UserKind::Penyedia, "vendor3", "wrong password")
            .await;
    }
    assert_eq!(failures(&app, "vendor3", "password_failures").await, 9);
    let page = app
        .browser()
        .password_step(UserKind::Penyedia, "vendor3", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
    assert_eq!(failures(&app, "vendor3", "password_failures").await, 0);
    assert_eq!(failures(&app, "vendor3", "password_locked_until").await, 0);
}

#[tokio::test]
async fn parallel_wrong_passwords_cannot_beat_the_counter() {
    let app = spawn_app().await;
    app.add_user("vendor4", UserKind::Penyedia).await;
    let mut browsers = Vec::new();
    for _ in 0..30 {
        let b = app.browser();
        b.start_login(UserKind::Penyedia, "vendor4").await;
        browsers.push(b);
    }
    let attempts = browsers
        .iter()
        .map(|b| b.post("/login/password", &[("password", "wrong password")]));
    let pages = futures::future::join_all(attempts).await;
    assert!(pages.iter().all(|p| p.status == StatusCode::UNAUTHORIZED));
    let checked = app
        .events("vendor4")
        .await
        .iter()
        .filter(|e| *e == "password_wrong")
        .count();
    assert_eq!(
        checked, 10,
        "only ten attempts were checked against the hash"
    );
    assert!(failures(&app, "vendor4", "password_locked_until").await > START);
}

#[tokio::test]
async fn five_wrong_codes_lock_the_code_step() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor5", UserKind::Penyedia).await;
    let b = app.browser();
    b.password_step(UserKind::Penyedia, "vendor5", PASSWORD)
        .await;
    b.get("/totp/acceptor").await;
    for i in 0..5 {
        let page = b.post("/totp/acceptor", &[("code", "")]).await; // an empty code is a failure
        let expected = if i < 4 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(page.status, expected, "attempt {}", i + 1);
    }
    let now = app.clock.now_u64() as i64;
    let until = failures(&app, "vendor5", "totp_locked_until").await;
    assert_eq!(until, now + 15 * 60);
    app.clock.set(until - 1);
    let page = b.post("/totp/acceptor", &[("code", &app.code(&key))]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.error().unwrap().contains("Terlalu banyak kode salah"));
    app.clock.set(until);
    let b = app.browser(); // the half-open session ended with its 15 minutes
    b.password_step(UserKind::Penyedia, "vendor5", PASSWORD)
        .await;
    assert_eq!(
        b.post("/totp/acceptor", &[("code", &app.code(&key))])
            .await
            .location(),
        Some("/beranda")
    );
}

#[tokio::test]
async fn a_hundred_parallel_wrong_codes_check_only_five() {
    let app = spawn_app().await;
    app.add_active_user("vendor6", UserKind::Penyedia).await;
    let b = app.browser();
    b.password_step(UserKind::Penyedia, "vendor6", PASSWORD)
        .await;
    b.get("/totp/acceptor").await;
    let attempts = (0..100).map(|i| {
        let code = format!("{:06}", 100_000 + i);
        let b = &b;
        async move { b.post("/totp/acceptor", &[("code", &code)]).await }
    });
    let pages = futures::future::join_all(attempts).await;
    assert!(pages.iter().all(|p| p.location().is_none()));
    let checked = app
        .events("vendor6")
        .await
        .iter()
        .filter(|e| *e == "code_wrong")
        .count();
    assert!(checked <= 5, "{checked} codes were checked");
    assert!(
        pages
            .iter()
            .filter(|p| p.status == StatusCode::TOO_MANY_REQUESTS)
            .count()
            >= 95
    );
}
