//! Lupa Password: the form on the login steps, the mail "Permintaan Reset Password" over
//! real SMTP, and the link's page, without TOTP and with it (where a mailbox alone must
//! not take the account).

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::reset::path_of;
use crate::smtp_sink::{SmtpSink, link_in};

pub const SUBJECT: &str = "Permintaan Reset Password";
pub const NEW_PASSWORD: &str = "layang-layang sore di pantai";

/// Fills in and sends the Lupa Password form.
pub async fn request_link(b: &Browser, user_id: &str, email: &str, kind: &str) -> Page {
    let form = b.get("/lupa-password").await;
    assert_eq!(form.status, StatusCode::OK);
    b.post(
        "/lupa-password",
        &[("user_id", user_id), ("email", email), ("kind", kind)],
    )
    .await
}

pub fn email_of(user_id: &str) -> String {
    format!("{}@lpse.example.go.id", user_id.to_lowercase())
}

/// The set-password link in a mail.
pub fn password_link(mail: &str) -> String {
    link_in(mail, "/user/setpassword?")
}

/// Asks for a link on the form and returns it from the outbox, as a path on the app.
pub async fn link_from_outbox(app: &TestApp, user_id: &str, kind: &str) -> String {
    let before = app.outbox().len();
    let page = request_link(&app.browser(), user_id, &email_of(user_id), kind).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mails = app.wait_for_outbox(before + 1).await;
    let to = format!("To: {}", email_of(user_id));
    let mail = mails
        .iter()
        .rfind(|m| m.contains(SUBJECT) && m.contains(&to))
        .expect("the password mail in the outbox");
    path_of(&password_link(mail), app)
}

/// Posts the link's form as its page would: the hidden fields from the link, the new
/// password twice and, if given, a TOTP code.
pub async fn set_password(b: &Browser, path: &str, password: &str, code: Option<&str>) -> Page {
    b.get("/lupa-password").await; // a page with a form, for its CSRF token
    let query = path.split_once('?').map_or("", |(_, q)| q);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("new_password", password));
    form.push(("confirm_password", password));
    if let Some(code) = code {
        form.push(("code", code));
    }
    b.post("/user/setpassword", &form).await
}

#[tokio::test]
async fn without_totp_the_mailed_link_sets_a_new_password() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_with(|raw| {
        raw.set("smtp_url", url);
        raw.set("totp_required", "false");
    })
    .await;
    app.add_user("PPK40", UserKind::NonPenyedia).await;
    let signed_in = app.browser();
    let page = signed_in
        .password_step(UserKind::NonPenyedia, "PPK40", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/beranda"), "no second factor here");

    let b = app.browser();
    let user_step = b.get("/login/non-penyedia").await;
    assert!(
        user_step
            .body
            .contains("href=\"/lupa-password?kind=non-penyedia\""),
        "{}",
        user_step.body
    );
    assert!(user_step.body.contains("Lupa Password?"));
    b.start_login(UserKind::NonPenyedia, "PPK40").await;
    let password_step = b.get("/login/password").await;
    assert!(
        password_step
            .body
            .contains("href=\"/lupa-password?kind=non-penyedia&amp;user_id=PPK40\""),
        "{}",
        password_step.body
    );
    let form = b
        .get("/lupa-password?kind=non-penyedia&user_id=PPK40")
        .await;
    assert!(form.body.contains("<h1>Lupa Password</h1>"));
    assert!(form.body.contains("value=\"PPK40\""));
    assert!(form.body.contains("action=\"/lupa-password\""));

    let sent = request_link(&b, "PPK40", "ppk40@lpse.example.go.id", "non-penyedia").await;
    assert_eq!(sent.status, StatusCode::OK);
    assert_eq!(
        sent.by_id("reset-sent").as_deref(),
        Some("Email untuk membuat password baru sudah terkirim ke: ppk40@lpse.example.go.id")
    );
    let mails = sink.wait_for(SUBJECT, 1, &app).await;
    let mail = &mails[0];
    assert_eq!(mail.to, ["<ppk40@lpse.example.go.id>"]);
    let link = password_link(&mail.data);
    let prefix = format!("{}/user/setpassword?userid=PPK40&kode=", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    assert_eq!(link.len(), prefix.len() + 64, "256-bit code in hex");
    let code = &link[prefix.len()..];
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM password_links WHERE code_hash = '{code}'"
        ))
        .await,
        0,
        "only a hash of the code is stored"
    );
    assert!(mail.decoded().contains("30 menit"), "its expiry is said");

    let path = path_of(&link, &app);
    // The link is opened where the mail is read: a browser of its own.
    let b = app.browser();
    let opened = b.get(&path).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert_eq!(opened.headers["referrer-policy"], "no-referrer");
    assert!(opened.body.contains("Buat password baru untuk akun PPK40."));
    assert!(!opened.body.contains("name=\"code\""), "no TOTP, no code");

    let short = set_password(&b, &path, "pendek", None).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(
        short.body.contains("Password terlalu pendek"),
        "GANTI PASSWORD's rules"
    );
    let mismatch = {
        b.get("/lupa-password").await;
        let (_, query) = path.split_once('?').unwrap();
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("new_password", NEW_PASSWORD));
        form.push(("confirm_password", "layang-layang pagi di pantai"));
        b.post("/user/setpassword", &form).await
    };
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    assert!(mismatch.body.contains("Ulangan password baru tidak sama."));

    let done = set_password(&b, &path, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Password akun PPK40 sudah diganti."));
    assert_eq!(done.headers["referrer-policy"], "no-referrer");
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login"),
        "never logs in"
    );
    assert_eq!(
        signed_in.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "every session ended"
    );
    let old = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK40", PASSWORD)
        .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let new = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK40", NEW_PASSWORD)
        .await;
    assert_eq!(new.location(), Some("/beranda"));
    let events = app.event_details("PPK40").await;
    assert!(
        events.contains(&(
            "password_reset".into(),
            "reset link; without TOTP; every session ended".into()
        )),
        "{events:?}"
    );
    assert!(events.contains(&("password_reset_requested".into(), "mailed".into())));
    let notices = sink
        .wait_for("dibuat lewat tautan dari email", 1, &app)
        .await;
    assert_eq!(
        notices[0].to,
        ["<ppk40@lpse.example.go.id>"],
        "the owner is told"
    );

    let again = b.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE, "single use");
    assert!(again.body.contains("Tautan password ini tidak berlaku"));
    let reused = set_password(&b, &path, "password lain yang panjang", None).await;
    assert_eq!(reused.status, StatusCode::GONE);
}

#[tokio::test]
async fn with_totp_a_mailbox_alone_does_not_take_the_account() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_with(|raw| raw.set("smtp_url", url)).await;
    let key = app.add_active_user("PPK41", UserKind::NonPenyedia).await;
    let signed_in = app
        .login(UserKind::NonPenyedia, "PPK41", PASSWORD, &key)
        .await;

    let b = app.browser();
    request_link(&b, "PPK41", "ppk41@lpse.example.go.id", "non-penyedia").await;
    let mails = sink.wait_for(SUBJECT, 1, &app).await;
    let path = path_of(&password_link(&mails[0].data), &app);
    let opened = b.get(&path).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(opened.body.contains("name=\"code\""), "a code is asked for");
    assert!(opened.by_id("set-password-totp").is_some());
    assert!(
        opened
            .by_id("set-password-lost-phone")
            .is_some_and(|note| note.contains("Hubungi helpdesk LPSE")),
        "lost phone and password: the page points to the helpdesk"
    );

    // Someone who holds only the mailbox: no code, a malformed one, a wrong one.
    for code in [None, Some(""), Some("12345"), Some("000000")] {
        let page = set_password(&b, &path, NEW_PASSWORD, code).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "code {code:?}");
        assert!(page.body.contains("Kode TOTP salah"), "code {code:?}");
    }
    let still = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK41", PASSWORD)
        .await;
    assert_eq!(
        still.location(),
        Some("/totp/acceptor"),
        "the password is unchanged"
    );
    assert_eq!(
        signed_in.get("/beranda").await.status,
        StatusCode::OK,
        "and no session ended"
    );
    assert!(
        app.events("PPK41")
            .await
            .iter()
            .filter(|e| *e == "code_wrong")
            .count()
            >= 3,
        "wrong codes count like at login"
    );

    app.clock.advance(30);
    let done = set_password(&b, &path, NEW_PASSWORD, Some(&app.code(&key))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        signed_in.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "every session ended"
    );
    assert!(app.has_totp("PPK41").await, "TOTP stays");
    let new = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK41", NEW_PASSWORD)
        .await;
    assert_eq!(
        new.location(),
        Some("/totp/acceptor"),
        "then the code, as always"
    );
    assert!(app.event_details("PPK41").await.contains(&(
        "password_reset".into(),
        "reset link; with TOTP code; every session ended".into()
    )));
}

#[tokio::test]
async fn wrong_codes_on_the_link_lock_the_code_step() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK42", UserKind::NonPenyedia).await;
    let path = link_from_outbox(&app, "PPK42", "non-penyedia").await;
    let b = app.browser();
    for _ in 0..5 {
        set_password(&b, &path, NEW_PASSWORD, Some("000000")).await;
    }
    app.clock.advance(30);
    let locked = set_password(&b, &path, NEW_PASSWORD, Some(&app.code(&key))).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(locked.body.contains("Terlalu banyak kode salah"));
    let old = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK42", PASSWORD)
        .await;
    assert_eq!(old.location(), Some("/totp/acceptor"), "unchanged");
}

#[tokio::test]
async fn matching_and_not_matching_requests_answer_alike() {
    let app = spawn_app().await;
    app.add_user("PPK43", UserKind::NonPenyedia).await;
    app.add_user("other", UserKind::NonPenyedia).await;
    let email = "ppk43@lpse.example.go.id";
    let mut answers = Vec::new();
    for (what, user_id, kind) in [
        ("wrong kind", "PPK43", "penyedia"),
        ("unknown user", "NOBODY", "non-penyedia"),
        ("someone else's address", "other", "non-penyedia"),
        ("all matching", "ppk43", "non-penyedia"),
    ] {
        let page = request_link(&app.browser(), user_id, email, kind).await;
        answers.push((what, page.status, page.body));
    }
    let (_, status, body) = &answers[3];
    assert_eq!(*status, StatusCode::OK);
    for (what, other_status, other_body) in &answers {
        assert_eq!(other_status, status, "{what}");
        assert_eq!(other_body, body, "{what}: the same page");
    }
    let mails = app.wait_for_outbox(1).await;
    let links: Vec<_> = mails.iter().filter(|m| m.contains(SUBJECT)).collect();
    assert_eq!(links.len(), 1, "only the match is mailed");
    assert!(links[0].contains("To: ppk43@lpse.example.go.id"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM password_links").await,
        1,
        "and only it wrote a link"
    );
    let events = app.event_details("PPK43").await;
    assert!(events.contains(&("password_reset_requested".into(), "no match".into())));
}

#[tokio::test]
async fn a_stranger_cannot_use_up_the_owners_mails() {
    let app = spawn_app().await;
    app.add_user("PPK44", UserKind::NonPenyedia).await;
    // Many misses for the account, from many addresses: they count for nobody's quota.
    for i in 0..12 {
        let b = Browser::from_address(&app.base, format!("127.0.9.{}", i + 1).parse().unwrap());
        request_link(&b, "PPK44", "guess@example.com", "non-penyedia").await;
    }
    link_from_outbox(&app, "PPK44", "non-penyedia").await;
    // The owner's own quota is its own: Reset TOTP mails do not use it up either.
    for _ in 0..6 {
        crate::reset::request_reset(
            &app.browser(),
            "PPK44",
            "ppk44@lpse.example.go.id",
            "non-penyedia",
        )
        .await;
    }
    link_from_outbox(&app, "PPK44", "non-penyedia").await;
}
