//! LOG AKSES: the user's own entries after real logins, sessions, "bukan saya".

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::smtp_sink::SmtpSink;

const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) spse-auth-tests";

/// The ids of the rows of event `name` on an access-log page, newest first.
pub fn event_ids(page: &Page, name: &str) -> Vec<i64> {
    page.body
        .split("<tr id=\"event-")
        .skip(1)
        .filter_map(|row| {
            let (id, rest) = row.split_once('"')?;
            let class = format!(" class=\"event {name}");
            let named =
                rest.starts_with(&format!("{class}\"")) || rest.starts_with(&format!("{class} "));
            named.then(|| id.parse().ok()).flatten()
        })
        .collect()
}

/// The row of one entry, tags stripped to ` | `-separated cells.
fn row_text(page: &Page, id: i64) -> String {
    let start = page
        .body
        .find(&format!("<tr id=\"event-{id}\""))
        .expect("row");
    let end = start + page.body[start..].find("</tr>").expect("row end");
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.body[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push('|');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn real_logins_appear_with_words_ip_browser_and_result() {
    let app = spawn_with(|raw| raw.set("password_max_failures", "3")).await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;

    // A wrong code after the right password.
    app.clock.advance(30);
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    b.get("/totp/acceptor").await;
    let wrong = if app.code(&key) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let page = b.post("/totp/acceptor", &[("code", wrong)]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    // Three wrong passwords: the third locks.
    for _ in 0..3 {
        let page = app
            .browser()
            .password_step(UserKind::NonPenyedia, "ppk1", "salah sekali")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    app.clock.advance(15 * 60);
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;

    let page = b.get("/log-akses").await;
    assert_eq!(page.status, StatusCode::OK);
    let logins = event_ids(&page, "login_ok");
    let wrong_passwords = event_ids(&page, "password_wrong");
    let locks = event_ids(&page, "password_locked");
    let wrong_codes = event_ids(&page, "code_wrong");
    assert_eq!(logins.len(), 2, "activation login and this one");
    assert_eq!(wrong_passwords.len(), 3);
    assert_eq!(locks.len(), 1);
    assert_eq!(wrong_codes.len(), 1);
    // Newest first.
    assert!(logins[0] > locks[0] && locks[0] > wrong_passwords[0]);
    assert!(wrong_passwords[2] > wrong_codes[0]);

    let login = row_text(&page, logins[0]);
    assert!(
        login.contains("Login berhasil | 127.0.0.1 | Linux | Berhasil"),
        "{login}"
    );
    // 08:00:10 UTC + 30 s (activation) + 30 s + 15 min + 30 s = 15:16:40 WIB.
    assert!(login.starts_with("15-01-2027 15:16:40 WIB"), "{login}");
    assert!(
        page.body.contains(&format!("title=\"{UA}\"")),
        "full user agent kept"
    );
    let wrong_password = row_text(&page, wrong_passwords[0]);
    assert!(
        wrong_password.contains("Password salah | 127.0.0.1 | Linux | Gagal"),
        "{wrong_password}"
    );
    let lock = row_text(&page, locks[0]);
    assert!(
        lock.contains("Akun dikunci karena terlalu banyak password salah"),
        "{lock}"
    );
    let wrong_code = row_text(&page, wrong_codes[0]);
    assert!(
        wrong_code.contains("Kode TOTP salah | 127.0.0.1 | Linux | Gagal"),
        "{wrong_code}"
    );
    assert!(page.body.contains("id=\"this-session\""));

    let english = b.get("/log-akses?lang=en").await;
    let login = row_text(&english, logins[0]);
    assert!(
        login.contains("Logged in | 127.0.0.1 | Linux | Succeeded"),
        "{login}"
    );
    assert!(row_text(&english, wrong_codes[0]).contains("Wrong TOTP code"));
    assert!(
        row_text(&english, wrong_passwords[0])
            .contains("Wrong password | 127.0.0.1 | Linux | Failed")
    );
}

#[tokio::test]
async fn the_log_is_paged_and_only_the_users_own() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    app.add_user("PPK2", UserKind::NonPenyedia).await;
    for _ in 0..25 {
        app.browser()
            .password_step(UserKind::NonPenyedia, "PPK1", "salah sekali")
            .await;
        app.browser()
            .password_step(UserKind::NonPenyedia, "PPK2", "salah sekali")
            .await;
    }
    app.clock.advance(3600);
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let first = b.get("/log-akses").await;
    let second = b.get("/log-akses?page=1").await;
    let count = |p: &Page| p.body.matches("<tr id=\"event-").count();
    let own = app
        .count("SELECT COUNT(*) FROM access_events WHERE user_id = 'PPK1'")
        .await;
    assert!(
        own > 25,
        "wrong passwords, locks, activation, logins: {own}"
    );
    assert_eq!(count(&first), 20);
    assert_eq!(count(&second) as i64, own - 20);
    assert!(first.body.contains("id=\"page-older\"") && !first.body.contains("id=\"page-newer\""));
    assert!(
        second.body.contains("id=\"page-newer\"") && !second.body.contains("id=\"page-older\"")
    );
    // PPK2's failures are not PPK1's business.
    let ppk2_rows = app
        .count("SELECT COUNT(*) FROM access_events WHERE user_id = 'PPK2'")
        .await;
    assert!(ppk2_rows >= 25);
    assert!(!first.body.contains("PPK2") && !second.body.contains("PPK2"));
    // Not signed in: to the login.
    assert_eq!(
        app.browser().get("/log-akses").await.location(),
        Some("/login")
    );
}

#[tokio::test]
async fn end_all_other_sessions_logs_the_other_out_at_its_next_request() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let here = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let there = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    assert_eq!(there.get("/beranda").await.status, StatusCode::OK);

    let page = here.get("/log-akses").await;
    assert_eq!(
        page.body.matches("<tr class=\"session").count(),
        3,
        "activation, here, there"
    );
    assert_eq!(page.body.matches("id=\"this-session\"").count(), 1);
    let done = here.post("/log-akses/akhiri-sesi-lain", &[]).await;
    assert_eq!(done.location(), Some("/log-akses"));

    let next = there.get("/beranda").await;
    assert_eq!(
        next.location(),
        Some("/login?ended=elsewhere"),
        "the other session is over"
    );
    assert_eq!(
        here.get("/beranda").await.status,
        StatusCode::OK,
        "this one lives"
    );
    let page = here.get("/log-akses").await;
    assert_eq!(page.body.matches("<tr class=\"session").count(), 1);
    assert!(
        app.events("PPK1")
            .await
            .contains(&"sessions_ended".to_string())
    );

    // "End this session" on the current one is a logout.
    let marker = "name=\"session\" value=\"";
    let handle_at = page.body.find(marker).unwrap() + marker.len();
    let handle = page.body[handle_at..handle_at + 24].to_string();
    let done = here
        .post("/log-akses/akhiri-sesi", &[("session", &handle)])
        .await;
    assert_eq!(done.location(), Some("/?ended=logout"));
    assert_eq!(here.get("/beranda").await.location(), Some("/login"));
}

#[tokio::test]
async fn not_me_ends_sessions_forces_a_new_password_mails_and_flags() {
    let smtp = SmtpSink::start().await;
    let app = spawn_with(|raw| raw.set("smtp_url", smtp.url())).await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let user = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    // Someone who knows the password, not the code.
    let intruder = app.browser();
    intruder
        .password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    intruder.get("/totp/acceptor").await;
    intruder.post("/totp/acceptor", &[("code", "999999")]).await;

    let page = user.get("/log-akses").await;
    let wrong_code = event_ids(&page, "code_wrong")[0];
    assert!(page.body.contains(&format!("id=\"not-me-{wrong_code}\"")));
    // Another user's entry cannot be flagged, nor one that is not a login attempt.
    let other = user
        .post("/log-akses/bukan-saya", &[("event_id", "999999")])
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let activation = event_ids(&page, "totp_activated")[0];
    assert!(!page.body.contains(&format!("id=\"not-me-{activation}\"")));
    let not_a_login = user
        .post(
            "/log-akses/bukan-saya",
            &[("event_id", &activation.to_string())],
        )
        .await;
    assert_eq!(not_a_login.status, StatusCode::NOT_FOUND);

    let done = user
        .post(
            "/log-akses/bukan-saya",
            &[("event_id", &wrong_code.to_string())],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body.contains("Semua sesi akun Anda sudah diakhiri"),
        "{}",
        done.body
    );
    assert_eq!(user.get("/beranda").await.location(), Some("/login"));
    assert_eq!(
        intruder.get("/totp/acceptor").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM event_flags").await, 1);
    assert!(app.events("PPK1").await.contains(&"not_me".to_string()));
    let mails = smtp.wait_for("tidak Anda kenali", 1, &app).await;
    assert_eq!(mails.len(), 1, "the not-me mail over SMTP");
    assert_eq!(mails[0].to, ["<ppk1@lpse.example.go.id>"]);
    assert!(mails[0].decoded().contains("sebagai \"bukan saya\""));
    assert!(
        mails[0]
            .decoded()
            .contains("password baru pada login berikutnya")
    );

    // The intruder, with the old password, is held at /ganti-password and its choice
    // changes nothing without the code.
    app.clock.advance(30);
    let intruder = app.browser();
    let page = intruder
        .password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/ganti-password"));
    assert_eq!(
        intruder.get("/totp/acceptor").await.location(),
        Some("/ganti-password")
    );
    assert_eq!(
        intruder.get("/beranda").await.location(),
        Some("/totp/acceptor")
    );
    assert_eq!(
        intruder.get("/log-akses").await.location(),
        Some("/totp/acceptor")
    );
    let forced = intruder.get("/ganti-password").await;
    assert!(forced.body.contains("id=\"forced-change\""));
    assert!(!forced.body.contains("name=\"current_password\""));
    let code_first = intruder
        .post("/totp/acceptor", &[("code", &app.code(&key))])
        .await;
    assert_eq!(code_first.status, StatusCode::CONFLICT);
    let chosen = intruder
        .post(
            "/ganti-password",
            &[
                ("new_password", "pilihan penyusup"),
                ("confirm_password", "pilihan penyusup"),
            ],
        )
        .await;
    assert_eq!(chosen.location(), Some("/totp/acceptor"));
    let check = app.browser();
    let page = check
        .password_step(UserKind::NonPenyedia, "PPK1", "pilihan penyusup")
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "not applied without the code"
    );

    // The user: old password, new password, then the code.
    app.clock.advance(30);
    let user = app.browser();
    let page = user
        .password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/ganti-password"));
    user.get("/ganti-password").await;
    let refused = user
        .post(
            "/ganti-password",
            &[
                ("new_password", "password123"),
                ("confirm_password", "password123"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let chosen = user
        .post(
            "/ganti-password",
            &[
                ("new_password", "teh manis hangat sore"),
                ("confirm_password", "teh manis hangat sore"),
            ],
        )
        .await;
    assert_eq!(chosen.location(), Some("/totp/acceptor"));
    user.get("/totp/acceptor").await;
    let done = user
        .post("/totp/acceptor", &[("code", &app.code(&key))])
        .await;
    assert_eq!(done.location(), Some("/beranda"));
    assert_eq!(user.get("/beranda").await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM password_change_required")
            .await,
        0
    );
    let changed = smtp.wait_for("Password SPSE diganti", 1, &app).await;
    assert_eq!(changed.len(), 1, "the password-change mail over SMTP");

    app.clock.advance(30);
    let old = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK1", PASSWORD)
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "old password refused");
    let new = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK1", "teh manis hangat sore")
        .await;
    assert_eq!(
        new.location(),
        Some("/totp/acceptor"),
        "no second forced change"
    );
}

#[tokio::test]
async fn times_follow_the_configured_zone() {
    let app = spawn_with(|raw| raw.set("timezone", "WITA")).await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let page = b.get("/log-akses").await;
    // 2027-01-15 08:01:10 UTC is 16:01:10 WITA.
    let login = row_text(&page, event_ids(&page, "login_ok")[0]);
    assert!(login.starts_with("15-01-2027 16:01:10 WITA"), "{login}");
    assert_eq!(
        page.by_id("server-time").as_deref(),
        Some("15-01-2027 16:01 WITA")
    );
}
