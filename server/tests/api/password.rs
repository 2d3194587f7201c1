//! GANTI PASSWORD: the rules in words, the lockout it shares with the login, what a
//! success ends, and NFC/NFD forms of one password.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

async fn change(b: &Browser, current: &str, new: &str, confirm: &str) -> Page {
    b.get("/ganti-password").await;
    b.post(
        "/ganti-password",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
    .await
}

#[tokio::test]
async fn weak_or_mistyped_new_passwords_are_refused_in_words() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let form = b.get("/ganti-password").await;
    assert_eq!(form.status, StatusCode::OK);
    for field in ["current_password", "new_password", "confirm_password"] {
        assert!(form.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    let cases = [
        (
            "password123",
            "Password ini termasuk yang paling umum dipakai",
        ),
        (
            "kopi7ab",
            "Password terlalu pendek: paling sedikit 8 karakter.",
        ),
        ("rahasia-ppk1-ku", "Password tidak boleh memuat User ID."),
    ];
    for (new, words) in cases {
        let page = change(&b, PASSWORD, new, new).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{new}");
        assert!(
            page.error().unwrap().starts_with(words),
            "{new}: {:?}",
            page.error()
        );
    }
    let page = change(&b, PASSWORD, "teh manis hangat", "teh manis hangat!").await;
    assert_eq!(
        page.error().as_deref(),
        Some("Ulangan password baru tidak sama.")
    );
    let english = b.get("/ganti-password?lang=en").await;
    assert!(english.body.contains("Current password"));
    let page = change(&b, PASSWORD, "kopi7ab", "kopi7ab").await;
    assert_eq!(
        page.error().as_deref(),
        Some("The password is too short: at least 8 characters.")
    );
    // None of these cost an attempt or changed anything.
    assert_eq!(
        app.count("SELECT password_failures FROM users WHERE user_key = 'ppk1'")
            .await,
        0
    );
    assert!(
        !app.events("PPK1")
            .await
            .contains(&"password_changed".to_string())
    );
}

#[tokio::test]
async fn a_change_replaces_the_password_ends_other_sessions_logs_and_mails() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let other = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    // The same password, composed (NFC) and decomposed (NFD).
    let nfc = "caf\u{e9} latte pagi";
    let nfd = "cafe\u{301} latte pagi";
    let page = change(&b, PASSWORD, nfd, nfc).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.error());
    assert_eq!(
        page.by_id("password-changed").as_deref(),
        Some("Password Anda sudah diganti. Semua sesi lain sudah diakhiri.")
    );
    assert_eq!(
        b.get("/beranda").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        other.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "others end"
    );
    assert!(
        app.events("PPK1")
            .await
            .contains(&"password_changed".to_string())
    );
    let mail = app.mail_with("Password SPSE diganti").await;
    assert!(mail.contains("To: ppk1@lpse.example.go.id"));

    let old = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "old password refused");
    for form in [nfc, nfd] {
        app.login(UserKind::NonPenyedia, "PPK1", form, &key).await;
    }
}

#[tokio::test]
async fn a_wrong_current_password_counts_toward_the_lockout() {
    let app = spawn_with(|raw| raw.set("password_max_failures", "3")).await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    // One wrong at the login step, two at the change form: the third locks.
    app.browser()
        .password_step(UserKind::NonPenyedia, "PPK1", "tebakan pertama")
        .await;
    let page = change(&b, "tebakan kedua", "teh manis hangat", "teh manis hangat").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.error().as_deref(), Some("Password saat ini salah."));
    let page = change(&b, "tebakan ketiga", "teh manis hangat", "teh manis hangat").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.error()
            .unwrap()
            .starts_with("Terlalu banyak password salah")
    );
    // Locked: even the right current password is not checked now, nor at the login.
    let page = change(&b, PASSWORD, "teh manis hangat", "teh manis hangat").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    let login = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    app.clock.advance(15 * 60);
    let page = change(&b, PASSWORD, "teh manis hangat", "teh manis hangat").await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.error());
}

#[tokio::test]
async fn only_a_signed_in_session_reaches_the_form() {
    let app = spawn_app().await;
    app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let nobody = app.browser();
    assert_eq!(
        nobody.get("/ganti-password").await.location(),
        Some("/login")
    );
    let half = app.browser();
    half.password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    assert_eq!(
        half.get("/ganti-password").await.location(),
        Some("/totp/acceptor")
    );
    let page = half
        .post(
            "/ganti-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "teh manis hangat"),
                ("confirm_password", "teh manis hangat"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}
