use super::*;

/// A fresh file with one table: its readers, its writer, and what keeps it.
async fn with_table(create: &str) -> (Db, Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (read, write) = lite_db(&dir);
    query(create).execute(&write).await.unwrap();
    (read, write, dir)
}

fn lite_db(dir: &tempfile::TempDir) -> (Db, Db) {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let lite = Arc::new(Lite::open(&url).unwrap());
    (
        Db::Lite {
            lite: Arc::clone(&lite),
            writer: false,
        },
        Db::Lite { lite, writer: true },
    )
}

/// `$n` is the n-th argument wherever it stands, however often: SQLite numbers named
/// parameters in the order they first appear, not by their names.
#[tokio::test]
async fn placeholders_bind_by_number_out_of_order_and_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let (read, _) = lite_db(&dir);
    let row = query("SELECT $2 AS b, $1 AS a, $2 || $3 AS c")
        .bind("first")
        .bind("second")
        .bind("!")
        .fetch_one(&read)
        .await
        .unwrap();
    assert_eq!(row.try_get::<String, _>("a").unwrap(), "first");
    assert_eq!(row.try_get::<String, _>("b").unwrap(), "second");
    assert_eq!(row.try_get::<String, _>(2).unwrap(), "second!");
    let missing = query("SELECT $2").bind(1_i64).fetch_one(&read).await;
    assert!(missing.is_err(), "a placeholder without its argument fails");
}

#[tokio::test]
async fn values_come_back_as_written_and_misreads_are_named() {
    let (read, write, _dir) = with_table("CREATE TABLE t (i BIGINT, s TEXT, b BLOB, n TEXT)").await;
    let done = query("INSERT INTO t (i, s, b, n) VALUES ($1, $2, $3, $4)")
        .bind(-7_i64)
        .bind("kopi")
        .bind(vec![0_u8, 255])
        .bind(None::<String>)
        .execute(&write)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    let row = query("SELECT i, s, b, n FROM t")
        .fetch_one(&read)
        .await
        .unwrap();
    assert_eq!(row.try_get::<i64, _>("i").unwrap(), -7);
    assert_eq!(
        row.try_get::<Option<Vec<u8>>, _>("b").unwrap(),
        Some(vec![0, 255])
    );
    assert_eq!(row.try_get::<Option<String>, _>("n").unwrap(), None);
    let misread = row.try_get::<i64, _>("s").unwrap_err().to_string();
    assert!(
        misread.contains("column s") && misread.contains("found text"),
        "{misread}"
    );
    let nothing = row.try_get::<String, _>("nope").unwrap_err().to_string();
    assert!(nothing.contains("nope"), "{nothing}");
    // A SELECT changes nothing, whatever the last write changed.
    assert_eq!(
        query("SELECT 1")
            .execute(&write)
            .await
            .unwrap()
            .rows_affected(),
        0
    );
    let none: Option<i64> = query_scalar("SELECT i FROM t WHERE s = $1")
        .bind("teh")
        .fetch_optional(&read)
        .await
        .unwrap();
    assert_eq!(none, None);
}

/// A transaction dropped before its commit leaves nothing; a duplicate is named so.
#[tokio::test]
async fn a_dropped_transaction_leaves_nothing_and_duplicates_are_named() {
    let (read, write, _dir) = with_table("CREATE TABLE t (k TEXT PRIMARY KEY)").await;
    let insert_a = || query("INSERT INTO t (k) VALUES ($1)").bind("a");
    {
        let mut tx = write.begin().await.unwrap();
        insert_a().execute(&mut *tx).await.unwrap();
    }
    let count: i64 = query_scalar("SELECT COUNT(*) FROM t")
        .fetch_one(&read)
        .await
        .unwrap();
    assert_eq!(count, 0, "rolled back");
    let mut tx = write.begin().await.unwrap();
    insert_a().execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let again = insert_a().execute(&write).await.unwrap_err();
    assert!(again.is_unique_violation(), "{again}");
}

#[test]
fn sqlite_urls_read_as_sqlx_reads_them() {
    use rusqlite::OpenFlags as F;
    let rwc = F::SQLITE_OPEN_READ_WRITE | F::SQLITE_OPEN_CREATE | F::SQLITE_OPEN_NO_MUTEX;
    let parse = |url| lite::parse_url(url).map(|(p, f)| (p.display().to_string(), f));
    assert_eq!(
        parse("sqlite:///var/lib/spse/auth.db?mode=rwc").unwrap(),
        ("/var/lib/spse/auth.db".to_string(), rwc)
    );
    assert_eq!(
        parse("sqlite:data/a%20b.db").unwrap(),
        (
            "data/a b.db".to_string(),
            F::SQLITE_OPEN_READ_WRITE | F::SQLITE_OPEN_NO_MUTEX
        )
    );
    assert_eq!(
        parse("sqlite://x.db?mode=ro").unwrap().1,
        F::SQLITE_OPEN_READ_ONLY | F::SQLITE_OPEN_NO_MUTEX
    );
    for bad in [
        "postgres://x",
        "sqlite::memory:",
        "sqlite://x.db?cache=shared",
        "sqlite://",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
