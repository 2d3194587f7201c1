//! A database from before sealed batches: entries sealed in their own rows (one of
//! them sealed past an entry that was not), and one entry waiting for the sealer. After
//! the upgrade the real `spse-auth audit verify` checks both parts as one chain, the
//! waiting entry joins it in a batch, and an edit to an old row is still named.

use std::borrow::Cow;

use spse_domain::audit::link;
use spse_domain::event::EventName;
use spse_store::EventRecord;
use sqlx::AnyPool;

use crate::database::{TestDatabase, skip_without_postgres};

/// The last migration before sealed batches.
const BEFORE_BATCHES: i64 = 20;

fn old_entry(n: i64) -> EventRecord {
    EventRecord {
        at: 1_800_000_000 + n,
        user_pk: None,
        user_id: format!("U{n}"),
        event: EventName::from_stored("password_wrong".to_string()),
        ip: "10.0.0.1".into(),
        user_agent: "ua".into(),
        detail: String::new(),
    }
}

async fn migrate_before_batches(pool: &AnyPool, postgres: bool) {
    let dir = if postgres { "postgres" } else { "sqlite" };
    let path = format!(
        "{}/../crates/store/migrations/{dir}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new(&path))
        .await
        .unwrap();
    let older: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= BEFORE_BATCHES)
        .cloned()
        .collect();
    migrator.migrations = Cow::Owned(older);
    migrator.run(pool).await.unwrap();
}

/// Row ids 1, 2 and 4 sealed the old way at positions 1 to 3; row 3 not yet.
async fn write_old_log(pool: &AnyPool) {
    let mut hash = String::new();
    for (id, seq) in [(1, Some(1)), (2, Some(2)), (3, None), (4, Some(3))] {
        let e = old_entry(id);
        let stored = match seq {
            Some(seq) => {
                hash = link(&hash, &e.chain_fields(seq));
                hash.clone()
            }
            None => String::new(),
        };
        sqlx::query(
            "INSERT INTO access_events (id, seq, hash, at, user_pk, user_id, event, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, '')",
        )
        .bind(id)
        .bind(seq)
        .bind(&stored)
        .bind(e.at)
        .bind(&e.user_id)
        .bind(e.event.as_str())
        .bind(&e.ip)
        .bind(&e.user_agent)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE audit_chain SET head_seq = 3, head_hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(pool)
        .await
        .unwrap();
}

async fn verify(dir: &std::path::Path, url: &str) -> (bool, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_spse-auth"))
        .arg("--data-dir")
        .arg(dir)
        .args(["audit", "verify"])
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C")
        .env("SPSE_DATABASE_URL", url)
        .output()
        .await
        .expect("spse-auth runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn upgraded(postgres: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (_db, url) = TestDatabase::create(postgres).await;
    let url = url.unwrap_or_else(|| format!("sqlite://{}/old.db?mode=rwc", dir.path().display()));
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    migrate_before_batches(&pool, postgres).await;
    write_old_log(&pool).await;

    let (ok, out) = verify(dir.path(), &url).await;
    assert!(ok, "{out}");
    assert!(out.contains("4 entri diperiksa"), "{out}");
    let batches: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_seals")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(batches, 1, "the waiting entry joined in a batch");

    sqlx::query("UPDATE access_events SET ip = '10.6.6.6' WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    let (ok, out) = verify(dir.path(), &url).await;
    assert!(!ok && out.contains("entry 2 "), "{out}");
}

#[tokio::test]
async fn an_old_log_verifies_after_the_upgrade_sqlite() {
    upgraded(false).await;
}

#[tokio::test]
async fn an_old_log_verifies_after_the_upgrade_postgres() {
    if skip_without_postgres() {
        return;
    }
    upgraded(true).await;
}
