//! Which database a test app runs on: a fresh SQLite file by default, or a fresh
//! PostgreSQL database (made here, dropped on drop) when `SPSE_TEST_DATABASE=postgres`.
//! The PostgreSQL server is `SPSE_TEST_DATABASE_URL`'s, which `./scripts/test` always
//! sets; without it the tests that need PostgreSQL say they are skipped.

use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

const SERVER_VARIABLE: &str = "SPSE_TEST_DATABASE_URL";

/// The PostgreSQL server tests use, if one is given.
fn postgres_server() -> Option<String> {
    std::env::var(SERVER_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
}

pub fn wants_postgres() -> bool {
    std::env::var("SPSE_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// Whether the running test must be skipped for want of a PostgreSQL server. It says
/// so on stderr: a run without PostgreSQL must not look like a run that tested it.
pub fn skip_without_postgres() -> bool {
    use std::io::Write as _;
    if postgres_server().is_some() {
        return false;
    }
    // libtest names each test's thread after the test.
    let current = std::thread::current();
    let test = current.name().unwrap_or("a PostgreSQL test");
    // Written to stderr itself rather than through `eprintln!`, which libtest captures
    // and shows only for failing tests; in one write, so it stays one line.
    let line = format!("SKIPPED (no {SERVER_VARIABLE}): {test}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    true
}

/// A database made for one test.
pub struct TestDatabase {
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// SQLite (`None` URL: the app's default file in its data dir) or a new PostgreSQL database.
    pub async fn create(postgres: bool) -> (Self, Option<String>) {
        if !postgres {
            return (Self { postgres: None }, None);
        }
        let server = postgres_server().unwrap_or_else(|| {
            panic!(
                "a PostgreSQL database was asked for: set {SERVER_VARIABLE}, or run ./scripts/test"
            )
        });
        let name = format!("spse_test_{}", spse_domain::token::random_hex(6));
        sqlx::any::install_default_drivers();
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&server)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {server} ({e}): run ./scripts/test, or set {SERVER_VARIABLE}")
            });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        admin.close().await;
        let url = with_database(&server, &name);
        (
            Self {
                postgres: Some((server, name)),
            },
            Some(url),
        )
    }
}

/// The same server URL naming another database.
pub fn with_database(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("database URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&server)
                    .await
                    .ok()?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .ok()?;
                Some(())
            })
        })
        .join();
    }
}
