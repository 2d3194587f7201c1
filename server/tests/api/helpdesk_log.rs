//! /admin/log-akses: every user's entries for the helpdesk, filtered, "not me" first.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::access_log::event_ids;
use crate::helpers::*;

#[tokio::test]
async fn helpdesk_sees_ordinary_accounts_filters_and_flagged_entries_first() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let staff_key = app.add_active_user("hd1", UserKind::NonPenyedia).await;
    sqlx::query("UPDATE users SET role = 'helpdesk' WHERE user_key = 'hd1'")
        .execute(&app.db)
        .await
        .unwrap();
    app.add_user("vendor1", UserKind::Penyedia).await;
    app.browser()
        .password_step(UserKind::Penyedia, "vendor1", "salah sekali")
        .await;

    // PPK1 flags an old wrong password as not theirs.
    app.browser()
        .password_step(UserKind::NonPenyedia, "PPK1", "tebakan orang lain")
        .await;
    app.clock.advance(2 * 86_400);
    let user = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let own = user.get("/log-akses").await;
    let flagged = event_ids(&own, "password_wrong")[0];
    // Not for ordinary users (the console's own rule: 403), nor without a session (401).
    assert_eq!(
        user.get("/admin/log-akses").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.browser().get("/admin/log-akses").await.status,
        StatusCode::UNAUTHORIZED
    );
    user.post(
        "/log-akses/bukan-saya",
        &[("event_id", &flagged.to_string())],
    )
    .await;

    let staff = app
        .login(UserKind::NonPenyedia, "hd1", PASSWORD, &staff_key)
        .await;
    let console = staff.get("/admin").await;
    assert!(
        console.body.contains("href=\"/admin/log-akses\""),
        "linked from the console"
    );
    let all = staff.get("/admin/log-akses").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("PPK1") && all.body.contains("vendor1"));
    // Staff accounts (this one too) are not among those helpdesk staff may see.
    assert!(
        !all.body
            .contains("<td class=\"user\" data-label=\"User ID\">hd1</td>")
    );
    let first_row = all.body.find("<tr id=\"event-").unwrap();
    assert!(
        all.body[first_row..].starts_with(&format!("<tr id=\"event-{flagged}\"")),
        "the flagged entry comes first"
    );
    assert!(all.body.contains("Ditandai bukan saya"));

    let by_user = staff.get("/admin/log-akses?user=VENDOR1").await;
    assert_eq!(event_ids(&by_user, "password_wrong").len(), 1);
    assert!(!by_user.body.contains(">PPK1<"));
    let by_event = staff.get("/admin/log-akses?event=not_me").await;
    assert_eq!(by_event.body.matches("<tr id=\"event-").count(), 1);
    assert!(by_event.body.contains("Login ditandai bukan saya"));
    let by_ip = staff.get("/admin/log-akses?ip=10.1.2.3").await;
    assert!(by_ip.body.contains("id=\"helpdesk-empty\""));
    let by_ip = staff.get("/admin/log-akses?ip=127.0.0.1&user=ppk1").await;
    assert!(by_ip.body.matches("<tr id=\"event-").count() >= 4);
    // The first day (15-01-2027 WIB) holds the early entries, the third day the rest.
    let day_one = staff
        .get("/admin/log-akses?from=2027-01-15&until=2027-01-15&user=ppk1")
        .await;
    assert_eq!(event_ids(&day_one, "password_wrong"), [flagged]);
    assert!(event_ids(&day_one, "not_me").is_empty());
    let day_three = staff
        .get("/admin/log-akses?from=2027-01-17&user=ppk1")
        .await;
    assert!(event_ids(&day_three, "password_wrong").is_empty());
    assert_eq!(event_ids(&day_three, "not_me").len(), 1);
    let bad = staff.get("/admin/log-akses?from=15/01/2027").await;
    assert_eq!(
        bad.error().as_deref(),
        Some("Tanggal harus berbentuk YYYY-MM-DD.")
    );
}
