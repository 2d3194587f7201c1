//! `spse-auth user import` through the real binary, against the app's database: every
//! row checked before anything is written, hashes from independent implementations that
//! log in and are then stored as argon2id, a second run that changes nothing.

use sqlx::Row;

use crate::helpers::{TestApp, spawn_app};
use spse_domain::user::UserKind;

const HEADER: &str = "user_id,kind,email,name,role,password_hash\n";

pub(crate) struct Imported {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// The real binary on the app's data directory and database, in `lang`, with the app's
/// public URL (which the links in invitations are built from, as the server's are).
pub(crate) fn cli(app: &TestApp, lang: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_spse-auth"));
    command
        .arg("--data-dir")
        .arg(app.dir.path())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .env("SPSE_DATABASE_URL", &app.database_url)
        .env("SPSE_PUBLIC_URL", &app.base);
    command
}

/// Writes `contents` to `name` in the app's directory and imports it with `flags`.
pub(crate) async fn import(app: &TestApp, name: &str, contents: &str, flags: &[&str]) -> Imported {
    let path = app.dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    let out = cli(app, "C")
        .args(["user", "import"])
        .arg(&path)
        .args(flags)
        .output()
        .await
        .expect("spse-auth runs");
    Imported {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every account as (user_id, kind, email, name, role, password_hash), by user ID.
pub(crate) async fn accounts(app: &TestApp) -> Vec<[String; 6]> {
    sqlx::query(
        "SELECT user_id, kind, email, name, role, password_hash FROM users ORDER BY user_key",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
    .iter()
    .map(|r| std::array::from_fn(|i| r.get::<String, _>(i)))
    .collect()
}

pub(crate) async fn stored_hash(app: &TestApp, user_id: &str) -> String {
    sqlx::query("SELECT password_hash FROM users WHERE user_key = $1")
        .bind(user_id.to_lowercase())
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_file_with_every_kind_of_error_writes_nothing_and_names_each_line() {
    let app = spawn_app().await;
    let bcrypt_4 = "$2b$04$abcdefghijklmnopqrstuu5a4dGkHnJZVtcUM5Ze.GGS6cAdXUBa6";
    let costly = "$2b$16$abcdefghijklmnopqrstuu5a4dGkHnJZVtcUM5Ze.GGS6cAdXUBa6";
    let file = format!(
        "{HEADER}\
         GOOD1,penyedia,good1@lpse.go.id,CV Baik,,{bcrypt_4}\n\
         PPK 9,non-penyedia,ppk9@lpse.go.id,PPK Sembilan,,\n\
         KIND1,vendor,kind1@lpse.go.id,Salah Jenis,,\n\
         MAIL1,penyedia,bukan-email,Salah Email,,\n\
         NAME1,penyedia,name1@lpse.go.id,,,\n\
         ROLE1,non-penyedia,role1@lpse.go.id,Salah Peran,superuser,\n\
         HASH1,penyedia,hash1@lpse.go.id,MD5 Lama,,5f4dcc3b5aa765d61d8327deb882cf99\n\
         HASH2,penyedia,hash2@lpse.go.id,Bcrypt Terpotong,,$2y$10$pendek\n\
         HASH3,penyedia,hash3@lpse.go.id,Bcrypt Mahal,,{costly}\n\
         good1,penyedia,lain@lpse.go.id,Kembar,,\n\
         SHORT1,penyedia,short1@lpse.go.id\n"
    );
    let refused = import(&app, "akun.csv", &file, &["--no-invite"]).await;
    assert!(!refused.ok);
    let err = &refused.stderr;
    for expected in [
        "baris 3 (PPK 9): user ID tidak valid",
        "baris 4 (KIND1): kind harus penyedia atau non-penyedia",
        "baris 5 (MAIL1): alamat email tidak valid",
        "baris 6 (NAME1): nama harus 1 sampai 100 karakter",
        "baris 7 (ROLE1): role harus user, helpdesk atau admin",
        "baris 8 (HASH1): password_hash bukan bcrypt",
        "baris 9 (HASH2): password_hash bcrypt tidak utuh",
        "baris 10 (HASH3): biaya password_hash bcrypt melebihi batas",
        "baris 11 (good1): user ID yang sama sudah ada di baris 2",
        "baris 12: tidak terbaca: 3 fields where the header has 6",
        "Tidak ada yang ditulis: 10 baris bermasalah",
    ] {
        assert!(err.contains(expected), "{expected:?} in:\n{err}");
    }
    assert!(
        !err.contains("baris 2 (") && !err.contains("baris 2:"),
        "the good row is no error:\n{err}"
    );
    assert!(accounts(&app).await.is_empty(), "nothing written");

    let dry = import(
        &app,
        "akun.csv",
        &file,
        &["--no-invite", "--dry-run", "--skip-invalid"],
    )
    .await;
    assert!(dry.ok, "{}", dry.stderr);
    assert!(dry.stdout.contains("1 akan ditambah"), "{}", dry.stdout);
    assert!(dry.stdout.contains("10 ditolak"), "{}", dry.stdout);
    assert!(accounts(&app).await.is_empty(), "a dry run writes nothing");

    let skipped = import(&app, "akun.csv", &file, &["--no-invite", "--skip-invalid"]).await;
    assert!(skipped.ok, "{}", skipped.stderr);
    assert!(
        skipped.stderr.contains("baris 8 (HASH1)"),
        "{}",
        skipped.stderr
    );
    assert!(
        skipped.stdout.contains(
            "Selesai: 1 ditambah, 0 diperbarui, 0 tidak berubah, 0 diundang, 10 ditolak."
        ),
        "{}",
        skipped.stdout
    );
    let written = accounts(&app).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0][0], "GOOD1");
    assert_eq!(written[0][5], bcrypt_4);

    // JSON lines, in English: the same line numbers, a line that is no JSON, a field
    // that is not a column.
    let jsonl = "{\"user_id\":\"J1\",\"kind\":\"penyedia\",\"email\":\"j1@lpse.go.id\",\"name\":\"J Satu\"}\n\
                 {\"user_id\":\"J2\",\"kind\":\"penyedia\",\"email\":\"j2@lpse.go.id\"\n\
                 \n\
                 {\"user_id\":\"J3\",\"kind\":\"penyedia\",\"email\":\"j3@lpse.go.id\",\"name\":\"J\",\"pasword\":\"x\"}\n";
    let path = app.dir.path().join("akun.jsonl");
    std::fs::write(&path, jsonl).unwrap();
    let out = cli(&app, "en_US.UTF-8")
        .args(["user", "import", "--no-invite"])
        .arg(&path)
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 2: unreadable: EOF while parsing an object"),
        "{err}"
    );
    assert!(
        err.contains("line 4: unreadable: unknown field `pasword`"),
        "{err}"
    );
    assert!(
        err.contains("Nothing written: 2 rows have problems"),
        "{err}"
    );
    assert_eq!(accounts(&app).await.len(), 1);

    let typo = import(
        &app,
        "typo.csv",
        "user_id,kind,email,name,pasword_hash\n",
        &[],
    )
    .await;
    assert!(!typo.ok);
    assert!(
        typo.stderr.contains("Kolom pasword_hash tidak dikenal"),
        "{}",
        typo.stderr
    );
}

#[tokio::test]
async fn a_second_run_changes_nothing_and_a_changed_row_updates() {
    let app = spawn_app().await;
    let first = format!(
        "{HEADER}\
         PPK1,non-penyedia,ppk1@lpse.go.id,PPK Satu,,\n\
         CV2,penyedia,cv2@lpse.go.id,CV Dua,,$2b$04$abcdefghijklmnopqrstuu5a4dGkHnJZVtcUM5Ze.GGS6cAdXUBa6\n\
         ADM3,non-penyedia,adm3@lpse.go.id,Admin Tiga,helpdesk,\n"
    );
    let added = import(&app, "akun.csv", &first, &["--no-invite"]).await;
    assert!(added.ok, "{}", added.stderr);
    assert!(
        added
            .stdout
            .contains("Selesai: 3 ditambah, 0 diperbarui, 0 tidak berubah, 0 diundang, 0 ditolak."),
        "{}",
        added.stdout
    );
    let before = accounts(&app).await;
    assert_eq!(before[0][0], "ADM3");
    assert_eq!(before[0][4], "helpdesk");

    let again = import(&app, "akun.csv", &first, &[]).await;
    assert!(again.ok, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("Selesai: 0 ditambah, 0 diperbarui, 3 tidak berubah, 0 diundang, 0 ditolak."),
        "{}",
        again.stdout
    );
    assert_eq!(accounts(&app).await, before, "a second run changes nothing");
    assert_eq!(app.queued_mail().await, 0, "and invites no one again");

    // PPK1 moves to another address and is renamed; CV2 becomes non-penyedia (in
    // another case); ADM3's role in the file is not applied.
    let changed = format!(
        "{HEADER}\
         ppk1,non-penyedia,ppk1.baru@lpse.go.id,PPK Satu Baru,,\n\
         CV2,non-penyedia,cv2@lpse.go.id,CV Dua,,\n\
         ADM3,non-penyedia,adm3@lpse.go.id,Admin Tiga,admin,\n"
    );
    let dry = import(&app, "baru.csv", &changed, &["--dry-run"]).await;
    assert!(dry.ok, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("baris 2: PPK1 akan diperbarui (email, nama)"),
        "{}",
        dry.stdout
    );
    assert_eq!(accounts(&app).await, before, "a dry run writes nothing");

    let updated = import(&app, "baru.csv", &changed, &[]).await;
    assert!(updated.ok, "{}", updated.stderr);
    let out = &updated.stdout;
    assert!(
        out.contains("baris 2: PPK1 diperbarui (email, nama)"),
        "{out}"
    );
    assert!(
        out.contains("baris 3: CV2 diperbarui (jenis akun)"),
        "{out}"
    );
    assert!(out.contains("baris 4: peran ADM3 tetap helpdesk"), "{out}");
    assert!(
        out.contains("Selesai: 0 ditambah, 2 diperbarui, 1 tidak berubah, 0 diundang, 0 ditolak."),
        "{out}"
    );
    let after = accounts(&app).await;
    assert_eq!(after[0], before[0], "ADM3 as it was");
    assert_eq!(after[1][1], "non-penyedia");
    assert_eq!(after[1][5], before[1][5], "CV2 keeps its password hash");
    assert_eq!(after[2][0], "PPK1", "the user ID keeps its spelling");
    assert_eq!(after[2][2], "ppk1.baru@lpse.go.id");
    assert_eq!(after[2][3], "PPK Satu Baru");
    assert_eq!(after[2][5], before[2][5]);

    // The access log says who made and who changed the account, and what changed.
    let events: Vec<String> = app
        .event_details("PPK1")
        .await
        .into_iter()
        .filter(|(event, _)| event == "account_imported")
        .map(|(_, detail)| detail)
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[0].starts_with("added by staff cli:"), "{events:?}");
    assert!(
        events[1].starts_with("updated email, name by staff cli:"),
        "{events:?}"
    );
    assert_eq!(
        app.event_details("ADM3").await.len(),
        1,
        "unchanged: no entry"
    );

    // An account imported without a hash has no password that works, and fails as a
    // wrong password does.
    for guess in ["!", "", "kopi tubruk pagi hari"] {
        let page = app
            .browser()
            .password_step(UserKind::NonPenyedia, "PPK1", guess)
            .await;
        assert_eq!(page.location(), None, "{guess:?}");
        assert!(
            page.error().is_some_and(|e| e.contains("salah")),
            "{guess:?}: {:?}",
            page.error()
        );
    }
}

#[tokio::test]
async fn hashes_from_python_log_in_and_are_then_stored_as_argon2id() {
    let Ok(python) = std::env::var("SPSE_TEST_PYTHON") else {
        println!(
            "SKIPPED (no SPSE_TEST_PYTHON): hashes_from_python_log_in_and_are_then_stored_as_argon2id"
        );
        return;
    };
    let password = "Jakarta hujan lagi 2026";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/import_hashes.py");
    let out = std::process::Command::new(python)
        .args([script, password])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hashes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let app = spawn_app().await;
    let accounts = [
        ("BCRYPT2B", "bcrypt_2b", "$2b$10$"),
        ("BCRYPT2A", "bcrypt_2a", "$2a$10$"),
        ("BCRYPT2Y", "bcrypt_2y", "$2y$10$"),
        ("DJANGO1", "django", "pbkdf2_sha256$120000$"),
    ];
    let mut file = String::from(HEADER);
    for (user_id, which, _) in accounts {
        let hash = hashes[which].as_str().unwrap();
        file.push_str(&format!(
            "{user_id},penyedia,{}@lpse.go.id,Pengguna {user_id},,{hash}\n",
            user_id.to_lowercase()
        ));
    }
    let imported = import(&app, "akun.csv", &file, &[]).await;
    assert!(imported.ok, "{}", imported.stderr);
    assert!(
        imported.stdout.contains("4 ditambah"),
        "{}",
        imported.stdout
    );

    for (user_id, which, prefix) in accounts {
        let kept = stored_hash(&app, user_id).await;
        assert!(kept.starts_with(prefix), "{user_id}: {kept}");
        assert_eq!(kept, hashes[which].as_str().unwrap());

        let wrong = app
            .browser()
            .password_step(UserKind::Penyedia, user_id, "Jakarta hujan lagi 2025")
            .await;
        assert_eq!(wrong.location(), None, "{user_id}: a wrong password fails");
        assert_eq!(
            stored_hash(&app, user_id).await,
            kept,
            "and changes nothing"
        );

        let right = app
            .browser()
            .password_step(UserKind::Penyedia, user_id, password)
            .await;
        assert_eq!(
            right.location(),
            Some("/totp/aktivasi"),
            "{user_id} logs in"
        );
        let upgraded = stored_hash(&app, user_id).await;
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{user_id}: {upgraded}"
        );

        let again = app
            .browser()
            .password_step(UserKind::Penyedia, user_id, password)
            .await;
        assert_eq!(again.location(), Some("/totp/aktivasi"), "{user_id} again");
        assert_eq!(stored_hash(&app, user_id).await, upgraded, "upgraded once");
    }

    // Importing the file again leaves the upgraded hashes alone.
    let again = import(&app, "akun.csv", &file, &[]).await;
    assert!(again.stdout.contains("4 tidak berubah"), "{}", again.stdout);
    for (user_id, _, _) in accounts {
        assert!(stored_hash(&app, user_id).await.starts_with("$argon2id$"));
    }
}
