//! Help on every page and in every mail (WCAG 3.2.6), time limits that say how long is
//! left and warn before the end (WCAG 2.2.1), and waiting pages that never reload by
//! themselves without JavaScript, so a code being typed survives.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

const HELP_EMAIL: &str = "bantuan@lpse.contoh.go.id";
const HELP_PHONE: &str = "+62 274 555 0199";

async fn app_with_help() -> TestApp {
    spawn_with(|raw| {
        raw.set("helpdesk_email", HELP_EMAIL);
        raw.set("helpdesk_phone", HELP_PHONE);
        raw.set("helpdesk_url", "https://lpse.contoh.go.id/helpdesk");
    })
    .await
}

fn assert_help(page: &Page, path: &str) {
    assert!(
        page.body.contains("id=\"help-link\" href=\"/bantuan\"")
            || page.body.contains("href=\"/bantuan\" id=\"help-link\""),
        "{path}: no help link\n{}",
        page.body
    );
    assert!(page.body.contains(HELP_EMAIL), "{path}: no helpdesk email");
    assert!(page.body.contains(HELP_PHONE), "{path}: no helpdesk phone");
}

#[tokio::test]
async fn every_page_has_the_help_link_in_its_footer() {
    let app = app_with_help().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let public = app.browser();
    for path in [
        "/",
        "/login",
        "/login/penyedia",
        "/login/non-penyedia",
        "/reset-totp",
        "/bantuan",
        "/tidak-ada",
        "/login?lang=en",
    ] {
        assert_help(&public.get(path).await, path);
    }
    let signed_in = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    for path in [
        "/beranda",
        "/log-akses",
        "/ganti-password",
        "/totp/disable",
        "/bantuan?lang=en",
    ] {
        let page = signed_in.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_help(&page, path);
    }
}

#[tokio::test]
async fn the_help_page_gives_the_contacts_and_the_guides_answers() {
    let app = app_with_help().await;
    let page = app.browser().get("/bantuan").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.by_id("helpdesk-email").as_deref(), Some(HELP_EMAIL));
    assert_eq!(page.by_id("helpdesk-phone").as_deref(), Some(HELP_PHONE));
    assert!(page.body.contains("href=\"tel:+622745550199\""));
    assert_eq!(
        page.by_id("helpdesk-url").as_deref(),
        Some("https://lpse.contoh.go.id/helpdesk")
    );
    assert!(page.body.contains("Reset TOTP?"), "{}", page.body);
    let english = app.browser().get("/bantuan?lang=en").await;
    assert!(english.body.contains("Lost or replaced phone"));
}

#[tokio::test]
async fn every_mail_ends_with_the_helpdesk_contact() {
    let app = app_with_help().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    b.get("/ganti-password").await;
    b.post(
        "/ganti-password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "teh manis hangat sore"),
            ("confirm_password", "teh manis hangat sore"),
        ],
    )
    .await;
    let mails = app.wait_for_outbox(2).await;
    for mail in &mails {
        assert!(
            mail.contains(&format!(
                "Bantuan: helpdesk LPSE, email {HELP_EMAIL}, telepon {HELP_PHONE}"
            )),
            "{mail}"
        );
        assert!(
            mail.contains(&format!(
                "Help: the LPSE helpdesk, email {HELP_EMAIL}, phone {HELP_PHONE}"
            )),
            "{mail}"
        );
    }
}

#[tokio::test]
async fn the_activation_page_counts_down_warns_and_never_reloads_without_javascript() {
    let app = spawn_app().await;
    app.add_user("PPK2", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK2", PASSWORD)
        .await;
    let page = b.get("/totp/aktivasi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "no reload by itself"
    );
    assert!(page.body.contains("id=\"check-again\""));
    assert!(page.body.contains("data-expires-in=\"900\""));
    assert_eq!(
        page.by_id("time-left").as_deref(),
        Some("sisa sekitar 15 menit.")
    );
    assert_eq!(page.by_id("time-warning").as_deref(), Some(""));

    // 61 s before the end: no warning yet; 60 s before: the warning, without JavaScript.
    app.clock.advance(900 - 61);
    let page = b.get("/totp/aktivasi").await;
    assert_eq!(page.by_id("time-warning").as_deref(), Some(""));
    app.clock.advance(1);
    let page = b.get("/totp/aktivasi?lang=en").await;
    assert_eq!(
        page.by_id("time-left").as_deref(),
        Some("about 1 minute left.")
    );
    assert!(
        page.by_id("time-warning")
            .unwrap()
            .starts_with("Less than a minute left."),
        "{}",
        page.body
    );
    // The 6-digit code is named for what it is; "Kode Keamanan" is the captcha's.
    assert!(
        page.body
            .contains("<label for=\"code\">TOTP code (6 digits)</label>")
    );
    let page = b.get("/totp/aktivasi?lang=id").await;
    assert!(
        page.body
            .contains("<label for=\"code\">Kode TOTP (6 angka)</label>")
    );
}

#[tokio::test]
async fn logout_and_an_idle_end_say_why_the_user_is_signed_out() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.location(), Some("/?ended=logout"));
    let home = b.get("/?ended=logout").await;
    assert_eq!(home.by_id("ended").as_deref(), Some("Anda sudah keluar."));

    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    app.clock.advance(30 * 60 - 1);
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
    app.clock.advance(30 * 60);
    let idle = b.get("/beranda").await;
    assert_eq!(idle.location(), Some("/login?ended=idle"));
    let login = b.get("/login?ended=idle&lang=en").await;
    assert_eq!(
        login.by_id("ended").as_deref(),
        Some("Your session ended because it was unused for 30 minutes. Please log in again.")
    );

    // Ended from another session: told apart from an idle end.
    let first = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    app.clock.advance(31);
    let second = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    second.get("/log-akses").await;
    second.post("/log-akses/akhiri-sesi-lain", &[]).await;
    let ended = first.get("/beranda").await;
    assert_eq!(ended.location(), Some("/login?ended=elsewhere"));
    let login = first.get("/login?ended=elsewhere").await;
    assert!(
        login
            .by_id("ended")
            .unwrap()
            .contains("segera ganti password")
    );

    // The absolute limit, kept active meanwhile.
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    for _ in 0..35 {
        app.clock.advance(20 * 60);
        assert_eq!(b.get("/beranda").await.status, StatusCode::OK);
    }
    app.clock.advance(20 * 60 - 1);
    assert_eq!(
        b.get("/beranda").await.status,
        StatusCode::OK,
        "a second before"
    );
    app.clock.advance(1);
    let limit = b.get("/beranda").await;
    assert_eq!(limit.location(), Some("/login?ended=limit"));
    // A browser that never logged in is not told a session ended.
    assert_eq!(
        app.browser().get("/beranda").await.location(),
        Some("/login")
    );
}
