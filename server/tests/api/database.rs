//! Which database a test app runs on: a fresh SQLite file by default, or a fresh
//! PostgreSQL database (made here, dropped on drop) when `SPSE_TEST_DATABASE=postgres`.
//! The server comes from `SPSE_TEST_DATABASE_URL` (default: the local one on 5432).

use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The PostgreSQL server tests use.
pub fn postgres_server() -> String {
    std::env::var("SPSE_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_string())
}

pub fn wants_postgres() -> bool {
    std::env::var("SPSE_TEST_DATABASE").is_ok_and(|v| v == "postgres")
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
        let server = postgres_server();
        let name = format!("spse_test_{}", spse_domain::token::random_hex(6));
        sqlx::any::install_default_drivers();
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&server)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {server} ({e}): run ./scripts/test, or set SPSE_TEST_DATABASE_URL"));
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
