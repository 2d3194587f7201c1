//! Set-password links that must not work (expired on the pinned clock, reused, altered,
//! another user's), and the helpdesk's two ways to send one: the command line and the
//! console button. An invitation for an account without a password, as an import sends.

use reqwest::StatusCode;
use spse_domain::user::{Role, UserId, UserKind};
use spse_usecases::{Client, LinkPurpose};

use crate::helpers::*;
use crate::password_link::{NEW_PASSWORD, link_from_outbox, password_link, set_password};

/// A user's password still is `password`: the password step takes it.
async fn password_is(app: &TestApp, user_id: &str, password: &str) -> bool {
    let page = app
        .browser()
        .password_step(UserKind::NonPenyedia, user_id, password)
        .await;
    page.status.is_redirection()
}

#[tokio::test]
async fn links_expire_after_thirty_minutes_and_not_before() {
    let app = spawn_with(|raw| raw.set("totp_required", "false")).await;
    app.add_user("PPK50", UserKind::NonPenyedia).await;
    let requested_at = app.clock_now();
    let path = link_from_outbox(&app, "PPK50", "non-penyedia").await;
    let b = app.browser();

    app.clock.set(requested_at + 30 * 60);
    let expired = b.get(&path).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.body.contains("Tautan password ini tidak berlaku"));
    assert!(
        expired.body.contains("href=\"/lupa-password\""),
        "ask again"
    );
    let late = set_password(&b, &path, NEW_PASSWORD, None).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(
        password_is(&app, "PPK50", PASSWORD).await,
        "nothing changed"
    );

    app.clock.set(requested_at + 30 * 60 - 1);
    assert_eq!(b.get(&path).await.status, StatusCode::OK);
    let done = set_password(&b, &path, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(password_is(&app, "PPK50", NEW_PASSWORD).await);
}

#[tokio::test]
async fn altered_truncated_reused_and_other_users_links_change_nothing() {
    let app = spawn_with(|raw| raw.set("totp_required", "false")).await;
    app.add_user("PPK51", UserKind::NonPenyedia).await;
    app.add_user("vendor8", UserKind::Penyedia).await;
    let mine = link_from_outbox(&app, "PPK51", "non-penyedia").await;
    let older = link_from_outbox(&app, "PPK51", "non-penyedia").await;
    let theirs = link_from_outbox(&app, "vendor8", "penyedia").await;
    let code = mine.rsplit_once("kode=").unwrap().1.to_string();
    let their_code = theirs.rsplit_once("kode=").unwrap().1.to_string();
    let flipped = if code.ends_with('0') { '1' } else { '0' };
    let altered = format!("{}{flipped}", &code[..63]);

    let b = app.browser();
    for (what, path) in [
        (
            "altered",
            format!("/user/setpassword?userid=PPK51&kode={altered}"),
        ),
        (
            "truncated",
            format!("/user/setpassword?userid=PPK51&kode={}", &code[..63]),
        ),
        (
            "upper case",
            format!(
                "/user/setpassword?userid=PPK51&kode={}",
                code.to_uppercase()
            ),
        ),
        ("no code", "/user/setpassword?userid=PPK51".to_string()),
        (
            "another user's code",
            format!("/user/setpassword?userid=PPK51&kode={their_code}"),
        ),
        (
            "another user's ID",
            format!("/user/setpassword?userid=vendor8&kode={code}"),
        ),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::GONE, "{what}");
        assert!(page.body.contains("tidak berlaku"), "{what}: a clear page");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        let posted = set_password(&b, &path, NEW_PASSWORD, None).await;
        assert_eq!(posted.status, StatusCode::GONE, "{what} (post)");
    }
    let doubled = b.get(&format!("{mine}&kode={code}")).await;
    assert_eq!(
        doubled.status,
        StatusCode::BAD_REQUEST,
        "a repeated parameter"
    );
    assert!(password_is(&app, "PPK51", PASSWORD).await);
    assert!(
        app.browser()
            .password_step(UserKind::Penyedia, "vendor8", PASSWORD)
            .await
            .status
            .is_redirection()
    );

    let done = set_password(&b, &mine, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        set_password(&b, &mine, "lagi password yang lain sekali", None)
            .await
            .status,
        StatusCode::GONE,
        "reused"
    );
    assert_eq!(
        b.get(&older).await.status,
        StatusCode::GONE,
        "the account's older link went with it"
    );
    assert!(password_is(&app, "PPK51", NEW_PASSWORD).await);
    assert_eq!(b.get(&theirs).await.status, StatusCode::OK, "still theirs");
}

fn spse_auth(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spse-auth"))
        .arg("--data-dir")
        .arg(app.dir.path())
        .args(args)
        .env("LANG", "C")
        .env("USER", "budi")
        .env_remove("SUDO_USER")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("SPSE_DATABASE_URL", &app.database_url)
        .env("SPSE_PUBLIC_URL", &app.base)
        .env_remove("SPSE_SMTP_URL")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The newest mail to `user_id` with `subject`, once the outbox holds it.
async fn mail_to(app: &TestApp, user_id: &str, subject: &str) -> String {
    let to = format!("To: {}@lpse.example.go.id", user_id.to_lowercase());
    eventually(&format!("{subject:?} to {user_id}"), || async {
        app.auth.wake_mail_worker();
        app.outbox()
            .into_iter()
            .rfind(|m| m.contains(subject) && m.contains(&to))
    })
    .await
}

#[tokio::test]
async fn the_cli_sends_a_link_to_the_address_on_file() {
    let app = spawn_with(|raw| raw.set("totp_required", "false")).await;
    app.add_user("PPK52", UserKind::NonPenyedia).await;

    let (ok, stdout, stderr) = spse_auth(&app, &["user", "send-password-link", "ppk52"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("PPK52"), "{stdout}");
    assert!(
        !stdout.contains("kode=") && !stderr.contains("kode="),
        "staff never see the link"
    );
    let mail = mail_to(&app, "PPK52", "Permintaan Reset Password").await;
    let path = crate::reset::path_of(&password_link(&mail), &app);
    assert!(app.event_details("PPK52").await.contains(&(
        "password_link_sent".into(),
        "helpdesk; by staff cli:budi".into()
    )));
    // The command ran on the real clock; the app's is pinned elsewhere.
    let made_at = app
        .count("SELECT MAX(created_at) FROM password_links")
        .await;
    app.clock.set(made_at + 60);
    let done = set_password(&app.browser(), &path, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(password_is(&app, "PPK52", NEW_PASSWORD).await);
    assert!(app.event_details("PPK52").await.contains(&(
        "password_reset".into(),
        "helpdesk link; without TOTP; every session ended".into()
    )));

    let (ok, _, stderr) = spse_auth(&app, &["user", "send-password-link", "nobody"]);
    assert!(!ok);
    assert!(!stderr.is_empty());
}

#[tokio::test]
async fn the_console_button_sends_a_link_and_staff_never_see_it() {
    let app = spawn_app().await;
    app.add_active_user("PPK53", UserKind::NonPenyedia).await;
    app.add_user_with_role("HD3", UserKind::NonPenyedia, Role::Helpdesk)
        .await;
    let staff_key = {
        let b = app.browser();
        b.password_step(UserKind::NonPenyedia, "HD3", PASSWORD)
            .await;
        let key = b.activation_key().await;
        b.post("/totp/aktivasi", &[("code", &app.code(&key))]).await;
        app.clock.advance(30);
        key
    };
    let staff = app
        .login(UserKind::NonPenyedia, "HD3", PASSWORD, &staff_key)
        .await;
    let page = staff.get("/admin/pengguna/PPK53").await;
    assert!(page.body.contains("id=\"admin-send-password-link\""));
    assert!(page.body.contains("Kirim tautan password"));

    let done = staff
        .post("/admin/pengguna/PPK53/send-password-link", &[])
        .await;
    assert_eq!(
        done.location(),
        Some("/admin/pengguna/PPK53?selesai=send-password-link")
    );
    let after = staff
        .get("/admin/pengguna/PPK53?selesai=send-password-link")
        .await;
    assert_eq!(
        after.by_id("admin-done").as_deref(),
        Some("Tautan untuk membuat password baru sudah dikirim ke email yang terdaftar.")
    );
    assert!(
        !after.body.contains("/user/setpassword"),
        "no link on the page"
    );
    let mail = mail_to(&app, "PPK53", "Permintaan Reset Password").await;
    assert!(password_link(&mail).starts_with(&app.base));
    assert!(
        app.event_details("PPK53")
            .await
            .contains(&("password_link_sent".into(), "helpdesk; by staff HD3".into()))
    );

    // A helpdesk member cannot send one to a staff account.
    app.add_user_with_role("AD3", UserKind::NonPenyedia, Role::Admin)
        .await;
    let refused = staff
        .post("/admin/pengguna/AD3/send-password-link", &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Nor may an ordinary user press it.
    let user = app.browser();
    assert_eq!(
        user.post("/admin/pengguna/PPK53/send-password-link", &[])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_invitation_lets_a_new_account_choose_its_first_password() {
    let app = spawn_app().await;
    app.add_user("vendor9", UserKind::Penyedia).await;
    let client = Client {
        ip: "local".into(),
        user_agent: "import".into(),
        trusted_browser: None,
    };
    let id = UserId::parse("VENDOR9").unwrap();
    app.auth
        .send_password_link(&id, LinkPurpose::Invite, &client)
        .await
        .unwrap();
    let mail = mail_to(&app, "vendor9", "Undangan SPSE: buat password Anda").await;
    assert!(
        mail.contains("Your SPSE account has been created"),
        "both languages"
    );
    let path = crate::reset::path_of(&password_link(&mail), &app);
    let done = set_password(&app.browser(), &path, NEW_PASSWORD, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let next = app
        .browser()
        .password_step(UserKind::Penyedia, "vendor9", NEW_PASSWORD)
        .await;
    assert_eq!(
        next.location(),
        Some("/totp/aktivasi"),
        "then TOTP, as for anyone"
    );
    let events = app.event_details("vendor9").await;
    assert!(events.contains(&("password_link_sent".into(), "invite".into())));
    assert!(events.contains(&(
        "password_reset".into(),
        "invite link; without TOTP; every session ended".into()
    )));

    let nobody = UserId::parse("nobody").unwrap();
    assert!(
        app.auth
            .send_password_link(&nobody, LinkPurpose::Invite, &client)
            .await
            .is_err()
    );
}
