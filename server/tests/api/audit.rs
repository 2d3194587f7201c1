//! The hash-chained access log, checked by the real `spse-auth audit` binary after rows
//! are edited, deleted and swapped directly in the database.

use spse_domain::audit::link;
use spse_domain::event::EventKind;
use spse_domain::user::UserKind;
use spse_store::EventRecord;

use crate::helpers::*;
use spse_testkit::eventually;

struct Verdict {
    ok: bool,
    out: String,
}

async fn verify(app: &TestApp) -> Verdict {
    let output = app.run_cli(&["audit", "verify"]).await;
    Verdict {
        ok: output.status.success(),
        out: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.db).await.expect(sql);
}

/// A log of a dozen real entries.
async fn busy_app() -> TestApp {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    app.add_user("vendor1", UserKind::Penyedia).await;
    for _ in 0..4 {
        app.browser()
            .password_step(UserKind::Penyedia, "vendor1", "salah sekali")
            .await;
        app.login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
            .await;
    }
    sealed(&app).await;
    app
}

/// Once the server's sealer has given every entry its place in the chain.
async fn sealed(app: &TestApp) {
    eventually("the sealer to seal every entry", || async {
        match app
            .count(
                "SELECT COUNT(*) FROM access_events \
                 WHERE id > (SELECT sealed_id FROM audit_chain)",
            )
            .await
        {
            0 => Ok(()),
            waiting => Err(waiting),
        }
    })
    .await
}

#[tokio::test]
async fn verify_passes_on_an_untouched_log_and_names_the_first_broken_row() {
    let app = busy_app().await;
    let entries = app.count("SELECT COUNT(*) FROM access_events").await;
    assert!(entries >= 10, "{entries}");
    let intact = verify(&app).await;
    assert!(intact.ok, "{}", intact.out);
    assert!(
        intact.out.contains(&format!("{entries} entri")),
        "{}",
        intact.out
    );

    // Edited: one field of entry 4.
    let fourth = row_at(&app, 4).await;
    let ip: String =
        sqlx::query_scalar(&format!("SELECT ip FROM access_events WHERE id = {fourth}"))
            .fetch_one(&app.db)
            .await
            .unwrap();
    exec(
        &app,
        &format!("UPDATE access_events SET ip = '10.6.6.6' WHERE id = {fourth}"),
    )
    .await;
    let edited = verify(&app).await;
    assert!(!edited.ok);
    assert!(edited.out.contains("entry 4 "), "{}", edited.out);
    assert!(edited.out.contains("RUSAK"), "{}", edited.out);
    exec(
        &app,
        &format!("UPDATE access_events SET ip = '{ip}' WHERE id = {fourth}"),
    )
    .await;
    assert!(verify(&app).await.ok, "restored, intact again");

    // Reordered: entries 5 and 6 swap places.
    let (fifth, sixth) = (row_at(&app, 5).await, row_at(&app, 6).await);
    let swap = [
        format!("UPDATE access_events SET id = -1 WHERE id = {fifth}"),
        format!("UPDATE access_events SET id = {fifth} WHERE id = {sixth}"),
        format!("UPDATE access_events SET id = {sixth} WHERE id = -1"),
    ];
    for sql in &swap {
        exec(&app, sql).await;
    }
    let swapped = verify(&app).await;
    assert!(!swapped.ok);
    assert!(swapped.out.contains("entry 5 "), "{}", swapped.out);
    for sql in &swap {
        exec(&app, sql).await;
    }
    assert!(verify(&app).await.ok, "swapped back, intact again");

    // Reordered by content: entry 7 moves in time.
    let seventh = row_at(&app, 7).await;
    exec(
        &app,
        &format!("UPDATE access_events SET at = at + 1000000 WHERE id = {seventh}"),
    )
    .await;
    let moved = verify(&app).await;
    assert!(!moved.ok && moved.out.contains("entry 7 "), "{}", moved.out);
    exec(
        &app,
        &format!("UPDATE access_events SET at = at - 1000000 WHERE id = {seventh}"),
    )
    .await;

    // Deleted: entry 3, and then the last one.
    let third = row_at(&app, 3).await;
    exec(
        &app,
        &format!("DELETE FROM access_events WHERE id = {third}"),
    )
    .await;
    let deleted = verify(&app).await;
    assert!(!deleted.ok);
    assert!(
        deleted.out.contains("entry 3 is missing"),
        "{}",
        deleted.out
    );

    let app = busy_app().await;
    exec(
        &app,
        "DELETE FROM access_events WHERE id = (SELECT MAX(id) FROM access_events)",
    )
    .await;
    let cut = verify(&app).await;
    assert!(!cut.ok && cut.out.contains("missing"), "{}", cut.out);
}

/// The `n`th entry's row id (entries are sealed in id order).
async fn row_at(app: &TestApp, n: i64) -> i64 {
    app.count(&format!(
        "SELECT id FROM access_events ORDER BY id LIMIT 1 OFFSET {}",
        n - 1
    ))
    .await
}

fn forged_entry() -> EventRecord {
    EventRecord {
        at: START + 3600,
        user_pk: None,
        user_id: "PPK1".into(),
        event: EventKind::LoginSucceeded.into(),
        ip: "10.6.6.6".into(),
        user_agent: "forged".into(),
        detail: String::new(),
    }
}

async fn insert_row<'c, E>(db: E, id: i64, e: &EventRecord)
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO access_events (id, at, user_pk, user_id, event, ip, user_agent, detail) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, '')",
    )
    .bind(id)
    .bind(e.at)
    .bind(&e.user_id)
    .bind(e.event.as_str())
    .bind(&e.ip)
    .bind(&e.user_agent)
    .execute(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn verify_names_rows_added_outside_the_application() {
    // A row slipped in among the sealed ones, under an id no batch lists.
    let app = busy_app().await;
    insert_row(&app.db, 0, &forged_entry()).await;
    let slipped = verify(&app).await;
    assert!(!slipped.ok, "{}", slipped.out);
    assert!(
        slipped
            .out
            .contains("row id 0 lies among the sealed entries but no batch lists it"),
        "{}",
        slipped.out
    );

    // A row written past the newest with a batch listing it, its hash correctly
    // computed from the last entry's: only the chain's head gives it away.
    let app = busy_app().await;
    let head_seq = app.count("SELECT head_seq FROM audit_chain").await;
    let head_batch = app.count("SELECT head_batch FROM audit_chain").await;
    let head_hash: String = sqlx::query_scalar("SELECT head_hash FROM audit_chain")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let id = app.count("SELECT MAX(id) + 1 FROM access_events").await;
    let forged = forged_entry();
    // In one transaction: the server's sealer must not seal the row first.
    let mut tx = app.db.begin().await.unwrap();
    insert_row(&mut *tx, id, &forged).await;
    let hash = link(&head_hash, &forged.chain_fields(head_seq + 1));
    sqlx::query(
        "INSERT INTO audit_seals (batch, first_seq, last_id, entries) VALUES ($1, $2, $3, $4)",
    )
    .bind(head_batch + 1)
    .bind(head_seq + 1)
    .bind(id)
    .bind(format!("{id} {hash}\n"))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let added = verify(&app).await;
    assert!(!added.ok, "{}", added.out);
    assert!(
        added.out.contains(&format!(
            "entry {} lies past the chain's head",
            head_seq + 1
        )),
        "{}",
        added.out
    );
}

#[tokio::test]
async fn parallel_writers_keep_one_unbroken_chain() {
    let app = spawn_app().await;
    app.add_user("vendor1", UserKind::Penyedia).await;
    let attempts = (0..24).map(|_| {
        let b = app.browser();
        async move {
            b.password_step(UserKind::Penyedia, "vendor1", "salah sekali")
                .await
        }
    });
    futures::future::join_all(attempts).await;
    app.auth.settle_log().await.unwrap();
    let entries = app.count("SELECT COUNT(*) FROM access_events").await;
    assert!(
        entries >= 24,
        "wrong passwords, the lock, attempts while locked"
    );
    assert_eq!(
        app.count("SELECT head_seq FROM audit_chain").await,
        entries,
        "one place each, no gaps"
    );
    let report = app.auth.verify_log().await.unwrap().expect("intact");
    assert_eq!(report.entries as i64, entries);
}

#[tokio::test]
async fn retention_removes_old_entries_and_what_remains_verifies() {
    let app = spawn_with(|raw| raw.set("audit_retention_days", "30")).await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    app.login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let old = app.count("SELECT COUNT(*) FROM access_events").await;
    let last_old_at = app.count("SELECT MAX(at) FROM access_events").await;
    let before_last = app
        .count(&format!(
            "SELECT COUNT(*) FROM access_events WHERE at < {last_old_at}"
        ))
        .await;
    app.clock.advance(20 * 86_400);
    app.login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let total = app.count("SELECT COUNT(*) FROM access_events").await;

    // 30 days after the last old entry, that entry is exactly at the cutoff: it stays.
    app.clock.set(last_old_at + 30 * 86_400);
    assert_eq!(app.auth.prune_log().await.unwrap() as i64, before_last);
    assert!(verify(&app).await.ok);
    app.clock.advance(1);
    assert_eq!(
        app.auth.prune_log().await.unwrap() as i64,
        old - before_last
    );
    assert_eq!(app.auth.prune_log().await.unwrap(), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM access_events").await,
        total - old
    );
    let after = verify(&app).await;
    assert!(after.ok, "{}", after.out);
    // And the chain goes on from there.
    app.login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    assert!(verify(&app).await.ok);
    // Removing the oldest remaining entry by hand is still caught.
    exec(
        &app,
        "DELETE FROM access_events WHERE id = (SELECT MIN(id) FROM access_events)",
    )
    .await;
    assert!(!verify(&app).await.ok);
}

#[tokio::test]
async fn export_writes_csv_and_json_for_one_user_since_a_date() {
    let app = busy_app().await;
    let dir = app.dir.path();
    let json_path = dir.join("ppk1.json");
    let out = app
        .run_cli(&[
            "audit",
            "export",
            "--user",
            "ppk1",
            "--since",
            "2027-01-15",
            "--format",
            "json",
            "--output",
            json_path.to_str().unwrap(),
        ])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let entries = doc["entries"].as_array().unwrap();
    let own = app
        .count("SELECT COUNT(*) FROM access_events WHERE user_id = 'PPK1'")
        .await;
    assert_eq!(entries.len() as i64, own);
    assert!(entries.iter().all(|e| e["user_id"] == "PPK1"));
    assert_eq!(doc["chain"]["intact"], true);
    assert_eq!(entries[0]["time_local"], "15-01-2027 15:00:10 WIB");
    assert_eq!(entries[0]["time_utc"], "2027-01-15T08:00:10Z");
    assert_eq!(entries[0]["ip"], "127.0.0.1");

    let csv_path = dir.join("all.csv");
    let out = app
        .run_cli(&[
            "audit",
            "export",
            "--format",
            "csv",
            "--output",
            csv_path.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success());
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let total = app.count("SELECT COUNT(*) FROM access_events").await;
    assert_eq!(csv.lines().count() as i64, total + 1, "header and rows");
    assert!(
        csv.starts_with("seq,time_utc,time_local,user_id,event,result,ip,user_agent,detail,hash")
    );
    assert!(csv.contains(",vendor1,password_wrong,failure,127.0.0.1,"));

    // A day after the last entry: nothing.
    let out = app
        .run_cli(&[
            "audit",
            "export",
            "--since",
            "2027-01-16",
            "--format",
            "csv",
            "--output",
            csv_path.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&csv_path).unwrap().lines().count(),
        1
    );
    let bad = app
        .run_cli(&[
            "audit",
            "export",
            "--since",
            "16/01/2027",
            "--format",
            "csv",
        ])
        .await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));
}
