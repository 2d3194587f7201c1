//! The emailed reset link (guide D.5-8): received over real SMTP, followed through the
//! confirmation, and every way a link can be wrong.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::smtp_sink::{SmtpSink, reset_link};

pub const SUBJECT: &str = "Konfirmasi Permintaan Reset TOTP";

/// Fills in and sends the reset form as the guide's step D.3 does.
pub async fn request_reset(b: &Browser, user_id: &str, email: &str, kind: &str) -> Page {
    let form = b.get("/reset-totp").await;
    assert_eq!(form.status, StatusCode::OK);
    b.post(
        "/reset-totp",
        &[("user_id", user_id), ("email", email), ("kind", kind)],
    )
    .await
}

/// The path and query of a link, to follow it on the test server.
pub fn path_of(link: &str, app: &TestApp) -> String {
    link.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{link} starts with PUBLIC_URL {}", app.base))
        .to_string()
}

/// Requests a reset for an active user and returns the link from the outbox.
pub async fn link_from_outbox(app: &TestApp, user_id: &str, kind: &str) -> String {
    let before = app.outbox().len();
    let email = format!("{}@lpse.example.go.id", user_id.to_lowercase());
    let page = request_reset(&app.browser(), user_id, &email, kind).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mails = app.wait_for_outbox(before + 1).await;
    // Mails are named by time; the newest reset mail to this address is the one.
    let mail = mails
        .iter()
        .rfind(|m| m.contains(SUBJECT) && m.contains(&format!("To: {email}")))
        .expect("the reset mail in the outbox");
    reset_link(mail)
}

pub const ACTIVATION_SUBJECT: &str = "Tautan Aktivasi TOTP";

/// An activation link mailed to `user_id` by the server under test (not by a command
/// run with its own PUBLIC_URL), once at least `count` such mails have arrived.
pub async fn activation_link_from_outbox(app: &TestApp, user_id: &str, count: usize) -> String {
    let to = format!("To: {}@lpse.example.go.id", user_id.to_lowercase());
    eventually(
        &format!("{count} activation links in the outbox"),
        || async {
            let links: Vec<String> = app
                .outbox()
                .into_iter()
                .filter(|m| m.contains(ACTIVATION_SUBJECT) && m.contains(&to))
                .map(|m| crate::smtp_sink::link_in(&m, "/totp/aktivasi/tiket?"))
                .collect();
            let ours = links.iter().find(|l| l.starts_with(&app.base)).cloned();
            ours.filter(|_| links.len() >= count)
        },
    )
    .await
}

pub async fn confirm(b: &Browser, link_path: &str) -> Page {
    b.get("/reset-totp").await; // a page with a form, for its CSRF token
    let query = link_path.split_once('?').unwrap().1;
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let first = b.post("/user/resettotp", &form).await;
    if first.status != StatusCode::OK {
        return first;
    }
    assert!(
        first.body.contains("id=\"reset-confirm\""),
        "confirmation step"
    );
    form.push(("confirm", "ok"));
    b.post("/user/resettotp", &form).await
}

#[tokio::test]
async fn the_mail_arrives_over_smtp_and_its_link_resets_totp() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_with(|raw| raw.set("smtp_url", url)).await;
    let key = app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let signed_in = app
        .login(UserKind::NonPenyedia, "PPK30", PASSWORD, &key)
        .await;

    let b = app.browser();
    let login_page = b.get("/login/non-penyedia").await;
    assert!(
        login_page
            .body
            .contains("href=\"/reset-totp?kind=non-penyedia\"")
    );
    assert!(login_page.body.contains("Reset TOTP?"));
    let page = request_reset(&b, "PPK30", "ppk30@lpse.example.go.id", "non-penyedia").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.by_id("reset-sent").as_deref(),
        Some("Email untuk Reset TOTP sudah terkirim ke: ppk30@lpse.example.go.id")
    );
    assert!(
        app.has_totp("PPK30").await,
        "the request itself changes nothing"
    );

    let mails = sink.wait_for(SUBJECT, 1, &app).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, ["<ppk30@lpse.example.go.id>"]);
    let decoded = mail.decoded();
    assert!(decoded.contains("multipart/alternative"));
    assert!(decoded.contains("text/plain") && decoded.contains("text/html"));
    assert!(decoded.contains(">Reset TOTP</a>"), "the button");
    let link = reset_link(&mail.data);
    let prefix = format!("{}/user/resettotp?userid=PPK30&isRekanan=0&kode=", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    assert_eq!(link.len(), prefix.len() + 64, "256-bit code in hex");
    assert!(
        mail.data.contains(&format!("\r\n{link}\r\n")),
        "the link on a line of its own in the 7bit text part"
    );
    assert!(
        decoded.contains(&format!("href=\"{}\"", link.replace('&', "&#38;"))),
        "the same link behind the HTML part's button"
    );
    let code = &link[prefix.len()..];
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM reset_codes WHERE code_hash = '{code}'"
        ))
        .await,
        0,
        "only a hash of the code is stored"
    );

    let path = path_of(&link, &app);
    let opened = b.get(&path).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert_eq!(opened.headers["referrer-policy"], "no-referrer");
    assert!(opened.body.contains("<h1>Reset TOTP</h1>"));
    assert!(opened.body.contains("id=\"reset-button\""));
    b.get(&path).await;
    assert!(
        app.has_totp("PPK30").await,
        "opening the link changes nothing"
    );

    let done = confirm(&b, &path).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        done.by_id("reset-done").as_deref(),
        Some("OTP berhasil di reset")
    );
    assert_eq!(done.headers["referrer-policy"], "no-referrer");
    assert!(!app.has_totp("PPK30").await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE user_pk IS NOT NULL")
            .await,
        0,
        "every session of the user ended"
    );
    assert_eq!(
        signed_in.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "the old session is gone"
    );
    assert_eq!(
        b.get("/beranda").await.location(),
        Some("/login"),
        "never logs in"
    );
    assert!(
        app.events("PPK30")
            .await
            .contains(&"totp_reset".to_string())
    );
    let notices = sink
        .wait_for("di-reset melalui tautan email", 1, &app)
        .await;
    assert_eq!(notices.len(), 1, "the reset is mailed");

    let again = b.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE, "single use");
    assert!(again.body.contains("tidak berlaku"));

    // Someone else who knows the password cannot bind a phone now: no ticket.
    let other = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(
        other.body.contains("tautan yang dikirim ke email"),
        "{}",
        other.body
    );
    assert_eq!(other.location(), None);
    assert!(
        app.events("PPK30")
            .await
            .contains(&"activation_refused".to_string())
    );
    // The browser that confirmed the link activates again.
    let next = b
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(next.location(), Some("/totp/aktivasi"), "activate again");
}

#[tokio::test]
async fn codes_expire_after_thirty_minutes_and_not_before() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let requested_at = app.clock_now();
    let link = link_from_outbox(&app, "PPK30", "non-penyedia").await;
    let path = path_of(&link, &app);
    let b = app.browser();

    app.clock.set(requested_at + 30 * 60);
    assert_eq!(b.get(&path).await.status, StatusCode::GONE);
    b.get("/reset-totp").await;
    assert_eq!(confirm(&b, &path).await.status, StatusCode::GONE);
    assert!(
        app.has_totp("PPK30").await,
        "an expired code changes nothing"
    );

    app.clock.set(requested_at + 30 * 60 - 1);
    assert_eq!(b.get(&path).await.status, StatusCode::OK);
    let done = confirm(&b, &path).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(!app.has_totp("PPK30").await);
}

#[tokio::test]
async fn the_expiry_is_a_setting() {
    let app = spawn_with(|raw| raw.set("reset_minutes", "10")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let requested_at = app.clock_now();
    let path = path_of(&link_from_outbox(&app, "PPK30", "non-penyedia").await, &app);
    app.clock.set(requested_at + 599);
    assert_eq!(app.browser().get(&path).await.status, StatusCode::OK);
    app.clock.set(requested_at + 600);
    assert_eq!(app.browser().get(&path).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn tampered_truncated_and_other_users_codes_change_nothing() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    app.add_active_user("vendor7", UserKind::Penyedia).await;
    let mine = path_of(&link_from_outbox(&app, "PPK30", "non-penyedia").await, &app);
    let theirs = path_of(&link_from_outbox(&app, "vendor7", "penyedia").await, &app);
    assert!(theirs.contains("userid=vendor7&isRekanan=1&kode="));
    let code = mine.rsplit_once("kode=").unwrap().1.to_string();
    let their_code = theirs.rsplit_once("kode=").unwrap().1.to_string();
    let last = code.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &code[..63]);

    let b = app.browser();
    for (what, path) in [
        (
            "tampered",
            format!("/user/resettotp?userid=PPK30&isRekanan=0&kode={tampered}"),
        ),
        (
            "truncated",
            format!(
                "/user/resettotp?userid=PPK30&isRekanan=0&kode={}",
                &code[..63]
            ),
        ),
        (
            "half",
            format!(
                "/user/resettotp?userid=PPK30&isRekanan=0&kode={}",
                &code[..32]
            ),
        ),
        (
            "upper case",
            format!(
                "/user/resettotp?userid=PPK30&isRekanan=0&kode={}",
                code.to_uppercase()
            ),
        ),
        (
            "no code",
            "/user/resettotp?userid=PPK30&isRekanan=0".to_string(),
        ),
        (
            "other user's code",
            format!("/user/resettotp?userid=PPK30&isRekanan=0&kode={their_code}"),
        ),
        (
            "other user's ID",
            format!("/user/resettotp?userid=vendor7&isRekanan=1&kode={code}"),
        ),
        (
            "wrong kind",
            format!("/user/resettotp?userid=PPK30&isRekanan=1&kode={code}"),
        ),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::GONE, "{what}");
        assert!(page.body.contains("tidak berlaku"), "{what}: a clear page");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        let posted = confirm(&b, &path).await;
        assert_eq!(posted.status, StatusCode::GONE, "{what} (post)");
    }
    let doubled = b.get(&format!("{mine}&kode={code}")).await;
    assert_eq!(
        doubled.status,
        StatusCode::BAD_REQUEST,
        "a repeated parameter"
    );
    assert!(app.has_totp("PPK30").await && app.has_totp("vendor7").await);

    assert_eq!(confirm(&b, &mine).await.status, StatusCode::OK);
    assert!(!app.has_totp("PPK30").await && app.has_totp("vendor7").await);
    assert_eq!(confirm(&b, &mine).await.status, StatusCode::GONE, "reuse");
    assert_eq!(b.get(&theirs).await.status, StatusCode::OK, "still theirs");
}

/// The `href` of the element with `id`, unescaped, as a browser would follow it.
fn href_of(page: &Page, id: &str) -> String {
    let tail = page
        .body
        .split_once(&format!("id=\"{id}\""))
        .map(|(before, _)| before)
        .unwrap_or_else(|| panic!("no #{id} in\n{}", page.body));
    let start = tail.rfind("href=\"").expect("an href before the id") + 6;
    let href = &tail[start..];
    href[..href.find('"').expect("a closed href")]
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn switching_the_language_keeps_what_the_address_carries() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let link = link_from_outbox(&app, "PPK30", "non_penyedia").await;
    let path = path_of(&link, &app);
    let (page_path, _) = path.split_once('?').expect("a query");

    let b = app.browser();
    let opened = b.get(&path).await;
    let english = b
        .get(&format!("{page_path}{}", href_of(&opened, "lang-en")))
        .await;
    assert_eq!(english.status, StatusCode::OK, "{}", english.body);
    assert!(
        english
            .body
            .contains("Click the button below to reset TOTP")
    );
    assert!(english.body.contains("id=\"reset-button\""));

    let form = b.get("/reset-totp?kind=penyedia&user_id=PPK31").await;
    let indonesian = b
        .get(&format!("/reset-totp{}", href_of(&form, "lang-id")))
        .await;
    assert!(indonesian.body.contains("<html lang=\"id\">"));
    assert!(indonesian.body.contains("id=\"kind-penyedia\" checked"));
    assert!(indonesian.body.contains("value=\"PPK31\""));
    // One term for the account kind on every page.
    assert!(indonesian.body.contains("<legend>Jenis akun</legend>"));
}
