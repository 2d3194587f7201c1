//! The helpdesk (FAQ 5): the real CLI and the `/admin` console.

use std::process::Command;

use reqwest::StatusCode;
use spse_domain::user::{Role, UserKind};

use crate::helpers::*;
use crate::reset::{activation_link_from_outbox, path_of};

fn spse_auth(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spse-auth"))
        .arg("--data-dir")
        .arg(app.dir.path())
        .args(args)
        .env("LANG", "C")
        .env("USER", "budi")
        .env_remove("SUDO_USER")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("SPSE_DATABASE_URL", &app.database_url)
        .env_remove("SPSE_SMTP_URL")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn lock_password(app: &TestApp, user_id: &str) {
    sqlx::query(
        "UPDATE users SET password_locked_until = $1, password_lock_count = 1 WHERE user_key = $2",
    )
    .bind(app.clock_now() + 900)
    .bind(user_id.to_lowercase())
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_cli_resets_totp_and_unlocks_naming_the_operator() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let mails_before = app.wait_for_outbox(1).await.len();

    let (ok, stdout, stderr) = spse_auth(&app, &["user", "reset-totp", "ppk30"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("TOTP PPK30 sudah di-reset"), "{stdout}");
    assert!(!app.has_totp("PPK30").await);
    let events = app.event_details("PPK30").await;
    assert!(events.contains(&("helpdesk_totp_reset".into(), "by staff cli:budi".into())));
    let mails = app.outbox();
    assert_eq!(
        mails.len(),
        mails_before + 2,
        "the notice and the activation link, mailed before the command exits"
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("oleh helpdesk") && m.contains("cli:budi"))
    );

    lock_password(&app, "PPK30").await;
    let locked = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    let (ok, stdout, _) = spse_auth(&app, &["user", "unlock", "PPK30"]);
    assert!(ok);
    assert!(stdout.contains("PPK30"));
    let open = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(
        open.status,
        StatusCode::FORBIDDEN,
        "unlocked; the activation needs the mailed link"
    );
    let owner = app.browser();
    // The command line mailed one (with its own clock, long expired at the test's);
    // the refused login above mailed a fresh one.
    let link = activation_link_from_outbox(&app, "PPK30", 2).await;
    // Built from the server's PUBLIC_URL: follow its path here.
    let path = &link[link.find("/totp/aktivasi/tiket").unwrap()..];
    let accepted = owner.get(path).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let open = owner
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(open.location(), Some("/totp/aktivasi"), "activates again");

    let (ok, _, stderr) = spse_auth(&app, &["user", "disable", "PPK30"]);
    assert!(ok, "{stderr}");
    let refused = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let (ok, _, stderr) = spse_auth(&app, &["user", "enable", "PPK30"]);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = spse_auth(&app, &["user", "reset-totp", "nobody"]);
    assert!(!ok && stderr.contains("tidak ditemukan"), "{stderr}");
}

#[tokio::test]
async fn the_console_lets_helpdesk_reset_and_unlock_and_refuses_others() {
    let app = spawn_app().await;
    let user_key = app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    app.add_user_with_role("HD1", UserKind::NonPenyedia, Role::Helpdesk)
        .await;
    let staff_key = {
        let b = app.browser();
        b.password_step(UserKind::NonPenyedia, "HD1", PASSWORD)
            .await;
        let key = b.activation_key().await;
        b.post("/totp/aktivasi", &[("code", &app.code(&key))]).await;
        app.clock.advance(30);
        key
    };

    // Anyone else: no session, a half-open staff session, a normal user.
    let anonymous = app.browser();
    assert_eq!(
        anonymous.get("/admin").await.status,
        StatusCode::UNAUTHORIZED
    );
    let half = app.browser();
    half.password_step(UserKind::NonPenyedia, "HD1", PASSWORD)
        .await;
    assert_eq!(half.get("/admin").await.status, StatusCode::UNAUTHORIZED);
    let user = app
        .login(UserKind::NonPenyedia, "PPK30", PASSWORD, &user_key)
        .await;
    assert_eq!(user.get("/admin").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        user.get("/admin/pengguna/PPK30").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = user.post("/admin/pengguna/PPK30/reset-totp", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(app.has_totp("PPK30").await);

    let staff = app
        .login(UserKind::NonPenyedia, "HD1", PASSWORD, &staff_key)
        .await;
    let search = staff.get("/admin").await;
    assert_eq!(search.status, StatusCode::OK);
    assert_eq!(search.by_id("staff-id").as_deref(), Some("HD1"));
    assert_eq!(
        staff.get("/admin?q=nobody").await.status,
        StatusCode::NOT_FOUND
    );
    let found = staff.get("/admin?q=ppk30").await;
    assert_eq!(found.location(), Some("/admin/pengguna/PPK30"));
    let page = staff.get("/admin/pengguna/PPK30").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.by_id("totp-status").as_deref(), Some("Aktif"));
    assert!(page.body.contains("login_ok"), "the user's access log");
    assert!(!page.body.contains("totp_secret") && !page.body.contains("password_hash"));

    let done = staff.post("/admin/pengguna/PPK30/reset-totp", &[]).await;
    assert_eq!(
        done.location(),
        Some("/admin/pengguna/PPK30?selesai=reset-totp")
    );
    assert!(!app.has_totp("PPK30").await);
    assert_eq!(
        user.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "sessions ended"
    );
    let after = staff.get("/admin/pengguna/PPK30?selesai=reset-totp").await;
    assert!(after.by_id("admin-done").is_some());
    assert!(after.body.contains("by staff HD1"));

    lock_password(&app, "PPK30").await;
    assert!(
        staff
            .get("/admin/pengguna/PPK30")
            .await
            .by_id("password-lock")
            .unwrap()
            .contains("terkunci")
    );
    staff.post("/admin/pengguna/PPK30/unlock", &[]).await;
    assert_eq!(
        staff
            .get("/admin/pengguna/PPK30")
            .await
            .by_id("password-lock")
            .as_deref(),
        Some("-")
    );

    let events = app.event_details("PPK30").await;
    assert!(events.contains(&("helpdesk_totp_reset".into(), "by staff HD1".into())));
    assert!(events.contains(&("helpdesk_unlock".into(), "by staff HD1".into())));
    let mails = app.wait_for_outbox(4).await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("To: ppk30@") && m.contains("Petugas helpdesk: HD1"))
    );
    // After a helpdesk reset only the link mailed to the address on file activates.
    let stranger = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    let owner = app.browser();
    let link = activation_link_from_outbox(&app, "PPK30", 1).await;
    owner.get(&path_of(&link, &app)).await;
    let next = owner
        .password_step(UserKind::NonPenyedia, "PPK30", PASSWORD)
        .await;
    assert_eq!(next.location(), Some("/totp/aktivasi"));
}

/// Helpdesk staff see only the accounts they may act on: no staff account's details,
/// page or access-log entries; an admin sees them all.
#[tokio::test]
async fn helpdesk_sees_no_staff_account_and_an_admin_sees_all() {
    let app = spawn_app().await;
    let hd_key = app.add_active_user("HD2", UserKind::NonPenyedia).await;
    let ad_key = app.add_active_user("AD2", UserKind::NonPenyedia).await;
    app.add_active_user("PPK31", UserKind::NonPenyedia).await;
    for (id, role) in [("hd2", "helpdesk"), ("ad2", "admin")] {
        sqlx::query("UPDATE users SET role = $1 WHERE user_key = $2")
            .bind(role)
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
    }
    app.clock.advance(30);
    let helpdesk = app
        .login(UserKind::NonPenyedia, "HD2", PASSWORD, &hd_key)
        .await;
    assert_eq!(
        helpdesk.get("/admin/pengguna/AD2").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        helpdesk.get("/admin?q=ad2").await.status,
        StatusCode::NOT_FOUND,
        "searched for, a staff account is not there"
    );
    assert_eq!(
        helpdesk.get("/admin/pengguna/PPK31").await.status,
        StatusCode::OK
    );
    let log = helpdesk.get("/admin/log-akses?user=AD2").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        !log.body
            .contains("<td class=\"user\" data-label=\"User ID\">AD2</td>"),
        "no entry about AD2"
    );
    let ordinary = helpdesk.get("/admin/log-akses?user=PPK31").await;
    assert!(
        ordinary
            .body
            .contains("<td class=\"user\" data-label=\"User ID\">PPK31</td>")
    );

    let admin = app
        .login(UserKind::NonPenyedia, "AD2", PASSWORD, &ad_key)
        .await;
    let page = admin.get("/admin/pengguna/HD2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("hd2@lpse.example.go.id"));
    let log = admin.get("/admin/log-akses?user=HD2").await;
    assert!(
        log.body
            .contains("<td class=\"user\" data-label=\"User ID\">HD2</td>")
    );
}
