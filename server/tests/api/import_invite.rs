//! Invitations of `user import`: a new account without a password hash is mailed a
//! set-password link through the mail queue and real SMTP, unless `--no-invite`.

use spse_domain::user::UserKind;

use crate::helpers::spawn_with;
use crate::import::{import, stored_hash};
use crate::password_link::{NEW_PASSWORD, password_link, set_password};
use crate::smtp_sink::SmtpSink;

const SUBJECT: &str = "Undangan SPSE: buat password Anda";

#[tokio::test]
async fn accounts_without_a_hash_are_invited_by_mail_unless_no_invite() {
    let smtp = SmtpSink::start().await;
    let app = spawn_with(|raw| raw.set("smtp_url", smtp.url())).await;
    let file = "user_id,kind,email,name,password_hash\n\
                INV1,penyedia,inv1@lpse.go.id,CV Undangan Satu,\n\
                INV2,non-penyedia,inv2@lpse.go.id,PPK Undangan Dua,\n\
                HASH1,penyedia,hash1@lpse.go.id,CV Sudah Punya,$2b$04$abcdefghijklmnopqrstuu5a4dGkHnJZVtcUM5Ze.GGS6cAdXUBa6\n";
    let imported = import(&app, "akun.csv", file, &[]).await;
    assert!(imported.ok, "{}", imported.stderr);
    assert!(
        imported
            .stdout
            .contains("Selesai: 3 ditambah, 0 diperbarui, 0 tidak berubah, 2 diundang, 0 ditolak."),
        "{}",
        imported.stdout
    );
    assert!(
        imported.stdout.contains("antrean email"),
        "{}",
        imported.stdout
    );

    // The command runs on the system clock: it queued the mails due at once and its
    // links expire 30 minutes later. The app's pinned clock is set to the system's after
    // it ended, so the mails are due there (set before, a command that ran across a
    // second's end left them in the future) and the links still valid.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    app.clock.set(i64::try_from(now).unwrap());

    // The command only queued them; the server's worker sends them.
    let invitations = smtp.wait_for(SUBJECT, 2, &app).await;
    let mut to: Vec<String> = invitations.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["<inv1@lpse.go.id>", "<inv2@lpse.go.id>"]);

    // The invited owner chooses a password through the link and logs in with it.
    let invitation = invitations
        .iter()
        .find(|m| m.to == ["<inv2@lpse.go.id>"])
        .unwrap();
    let link = password_link(&invitation.data);
    assert!(
        link.starts_with(&format!("{}/user/setpassword?", app.base)),
        "{link}"
    );
    let path = crate::reset::path_of(&link, &app);
    let browser = app.browser();
    let done = set_password(&browser, &path, NEW_PASSWORD, None).await;
    assert_eq!(
        done.status,
        reqwest::StatusCode::OK,
        "{path}: {}",
        done.body
    );
    assert!(stored_hash(&app, "INV2").await.starts_with("$argon2id$"));
    let page = app
        .browser()
        .password_step(UserKind::NonPenyedia, "INV2", NEW_PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));

    // With --no-invite nobody is mailed; and the accounts invited before are not mailed
    // again when the file comes again.
    let more = format!("{file}NOINV1,penyedia,noinv1@lpse.go.id,CV Tanpa Undangan,\n");
    let quiet = import(&app, "lagi.csv", &more, &["--no-invite"]).await;
    assert!(quiet.ok, "{}", quiet.stderr);
    assert!(
        quiet
            .stdout
            .contains("Selesai: 1 ditambah, 0 diperbarui, 3 tidak berubah, 0 diundang, 0 ditolak."),
        "{}",
        quiet.stdout
    );
    assert_eq!(app.queued_mail().await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_queue WHERE recipient = 'noinv1@lpse.go.id'")
            .await,
        0
    );
    assert_eq!(smtp.wait_for(SUBJECT, 2, &app).await.len(), 2);
}
