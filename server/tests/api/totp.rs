use reqwest::StatusCode;
use spse_domain::user::UserKind;
use spse_protocol::TotpKey;

use crate::helpers::*;

/// A vendor's browser at the code step.
async fn at_acceptor(app: &TestApp, user_id: &str) -> Browser {
    app.at_acceptor(UserKind::Penyedia, user_id, PASSWORD)
        .await
        .0
}

fn code_at(key: &TotpKey, unix: i64) -> String {
    key.code_at(unix as u64)
}

#[tokio::test]
async fn window_is_this_step_and_one_back_never_ahead() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor1", UserKind::Penyedia).await;
    let cases = [
        (-2i64, false),
        (2, false),
        (1, false),
        (-1, true),
        (0, true),
    ];
    for (i, (offset, accepted)) in cases.into_iter().enumerate() {
        // Each case a minute later, so earlier cases leave no replay state in the way.
        let now = START + 330 + 60 * i as i64;
        app.clock.set(now);
        let b = at_acceptor(&app, "vendor1").await;
        let page = b
            .post(
                "/totp/acceptor",
                &[("code", &code_at(&key, now + offset * 30))],
            )
            .await;
        assert_eq!(
            page.location() == Some("/beranda"),
            accepted,
            "offset {offset}: {}",
            page.status
        );
        if !accepted {
            assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        }
    }
}

#[tokio::test]
async fn step_boundary_with_a_pinned_clock() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor2", UserKind::Penyedia).await;
    let step_start = (START / 30 + 10) * 30;
    let code = code_at(&key, step_start - 31); // the step two before `step_start`'s
    // One second before the step starts, that code is one step back: accepted.
    app.clock.set(step_start - 1);
    let b = at_acceptor(&app, "vendor2").await;
    assert_eq!(
        b.post("/totp/acceptor", &[("code", &code)])
            .await
            .location(),
        Some("/beranda")
    );
    // At the first second of the step it is two back: refused (a fresh code for a later step
    // is used to show that nothing else is wrong).
    let step_start = step_start + 300;
    let code = code_at(&key, step_start - 31);
    app.clock.set(step_start);
    let b = at_acceptor(&app, "vendor2").await;
    let page = b.post("/totp/acceptor", &[("code", &code)]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        b.post("/totp/acceptor", &[("code", &code_at(&key, step_start))])
            .await
            .location(),
        Some("/beranda")
    );
}

#[tokio::test]
async fn a_code_works_once() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor3", UserKind::Penyedia).await;
    let code = app.code(&key);
    let first = at_acceptor(&app, "vendor3").await;
    assert_eq!(
        first
            .post("/totp/acceptor", &[("code", &code)])
            .await
            .location(),
        Some("/beranda")
    );
    let second = at_acceptor(&app, "vendor3").await;
    for variant in [
        code.clone(),
        format!(" {code}"),
        format!("{} {}", &code[..3], &code[3..]),
    ] {
        let page = second.post("/totp/acceptor", &[("code", &variant)]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{variant:?}");
        assert!(page.error().unwrap().contains("sudah dipakai"));
    }
    // An earlier step than the last accepted one is a replay too.
    app.clock.advance(30);
    let previous = code_at(&key, START + 30 - 30);
    assert_eq!(
        second
            .post("/totp/acceptor", &[("code", &previous)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.events("vendor3")
            .await
            .contains(&"code_reused".to_string())
    );
}

#[tokio::test]
async fn two_racing_requests_with_one_code_let_one_in() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor4", UserKind::Penyedia).await;
    let code = app.code(&key);
    let browsers = [
        at_acceptor(&app, "vendor4").await,
        at_acceptor(&app, "vendor4").await,
    ];
    let form = [("code", code.as_str())];
    let (a, b) = tokio::join!(
        browsers[0].post("/totp/acceptor", &form),
        browsers[1].post("/totp/acceptor", &form)
    );
    let wins = [a, b]
        .iter()
        .filter(|p| p.location() == Some("/beranda"))
        .count();
    assert_eq!(wins, 1);
    let events = app.events("vendor4").await;
    let count = |name: &str| events.iter().filter(|e| *e == name).count();
    assert_eq!(
        count("login_ok"),
        2,
        "one after activation, one for the race's winner"
    );
    assert_eq!(count("code_reused"), 1, "the loser");
}

/// Copies of a code just accepted are replays, not guesses: refused, never counted, so
/// they cannot lock the owner out of the code step.
#[tokio::test]
async fn twenty_copies_of_one_right_code_let_one_in_and_lock_nothing() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor9", UserKind::Penyedia).await;
    let code = app.code(&key);
    let mut browsers = Vec::new();
    for _ in 0..20 {
        browsers.push(at_acceptor(&app, "vendor9").await);
    }
    let form = [("code", code.as_str())];
    let pages =
        futures::future::join_all(browsers.iter().map(|b| b.post("/totp/acceptor", &form))).await;
    let wins = pages
        .iter()
        .filter(|p| p.location() == Some("/beranda"))
        .count();
    assert_eq!(wins, 1);
    assert!(
        pages
            .iter()
            .all(|p| p.location() == Some("/beranda") || p.status == StatusCode::UNAUTHORIZED),
        "a replay is refused, never answered with a lock"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE user_id = 'vendor9' AND totp_failures = 0 AND totp_locked_until = 0")
            .await,
        1,
        "nothing counted"
    );
    let events = app.events("vendor9").await;
    assert!(!events.contains(&"code_wrong".into()), "{events:?}");
    assert!(!events.contains(&"code_locked".into()), "{events:?}");
    // The owner's next login goes through with the next code.
    app.clock.advance(30);
    let b = at_acceptor(&app, "vendor9").await;
    let next = app.code(&key);
    let page = b.post("/totp/acceptor", &[("code", next.as_str())]).await;
    assert_eq!(page.location(), Some("/beranda"));
}

#[tokio::test]
async fn codes_are_normalised_before_any_check() {
    let app = spawn_with(|raw| raw.set("totp_max_failures", "10")).await;
    let key = app.add_active_user("vendor5", UserKind::Penyedia).await;
    let code = app.code(&key);
    let b = at_acceptor(&app, "vendor5").await;
    let full_width: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
        .collect();
    for bad in ["", "12345", "1234567", "abcdef", full_width.as_str()] {
        let page = b.post("/totp/acceptor", &[("code", bad)]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{bad:?}");
    }
    let spaced = format!(" {} {} ", &code[..3], &code[3..]);
    assert_eq!(
        b.post("/totp/acceptor", &[("code", &spaced)])
            .await
            .location(),
        Some("/beranda")
    );
}

#[tokio::test]
async fn oathtool_codes_activate_and_log_in() {
    let app = spawn_app().await;
    app.add_user("PPK7", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK7", PASSWORD)
        .await;
    let key = b.activation_key().await;
    let oathtool = |unix: i64| spse_testkit::oathtool(&key.to_base32(), unix as u64);
    let code = oathtool(START);
    assert_eq!(code, app.code(&key), "independent implementation agrees");
    assert_eq!(
        b.post("/totp/aktivasi", &[("code", &code)])
            .await
            .location(),
        Some("/beranda")
    );
    app.clock.advance(90);
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK7", PASSWORD)
        .await;
    let code = oathtool(START + 90);
    assert_eq!(
        b.post("/totp/acceptor", &[("code", &code)])
            .await
            .location(),
        Some("/beranda")
    );
}

#[tokio::test]
async fn the_qr_code_reads_with_zbarimg() {
    let app = spawn_with(|raw| raw.set("issuer", "LPSE Latihan")).await;
    app.add_user("PPK8", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK8", PASSWORD)
        .await;
    let key = b.activation_key().await;
    let png = b
        .client
        .get(format!("{}/totp/aktivasi/qr.png", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let path = app.dir.path().join("qr.png");
    std::fs::write(&path, png.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
        .expect("zbarimg is installed by the test command (Debian package zbar-tools)");
    let uri = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let parsed = spse_protocol::OtpauthUri::parse(&uri).expect(&uri);
    assert_eq!(parsed.issuer, "LPSE Latihan");
    assert_eq!(parsed.account, "PPK8");
    assert_eq!(parsed.key.secret(), key.secret());
    assert!(uri.contains("algorithm=SHA1&digits=6&period=30"), "{uri}");
    assert_eq!(parsed.server.as_deref(), Some(app.base.as_str()));
}

#[tokio::test]
async fn secrets_are_encrypted_at_rest() {
    let app = spawn_app().await;
    let key = app.add_active_user("vendor6", UserKind::Penyedia).await;
    let row = sqlx::query("SELECT totp_secret FROM users WHERE user_key = 'vendor6'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let stored: Vec<u8> = sqlx::Row::get(&row, 0);
    assert!(stored.len() > key.secret().len());
    assert!(
        !stored
            .windows(key.secret().len())
            .any(|w| w == key.secret())
    );
    assert!(!String::from_utf8_lossy(&stored).contains(&key.to_base32()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.dir.path().join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
