//! A database that answers reads but refuses writes, as with a full disk: readiness says
//! so. On PostgreSQL the test's database is made read-only for new transactions and the
//! open connections are ended (the pools reconnect by themselves); on SQLite another
//! connection holds the write lock, so writers give up after the busy timeout (5 s)
//! while readers go on under WAL.

use reqwest::StatusCode;
use sqlx::{AnyConnection, Connection, Executor};

use crate::helpers::*;

/// Writes are refused until [`Refusal::lift`].
pub struct Refusal {
    connection: AnyConnection,
    postgres: bool,
}

pub async fn refuse_writes(app: &TestApp) -> Refusal {
    let postgres = app.database_url.starts_with("postgres");
    let mut connection = AnyConnection::connect(&app.database_url)
        .await
        .expect("a connection of the test's own");
    if postgres {
        // This session stays writable, to lift the refusal later.
        connection
            .execute("SET default_transaction_read_only = off")
            .await
            .unwrap();
        set_read_only(&mut connection, true).await;
    } else {
        connection.execute("BEGIN IMMEDIATE").await.unwrap();
    }
    Refusal {
        connection,
        postgres,
    }
}

impl Refusal {
    pub async fn lift(mut self) {
        if self.postgres {
            set_read_only(&mut self.connection, false).await;
        } else {
            self.connection.execute("ROLLBACK").await.unwrap();
        }
        self.connection.close().await.unwrap();
    }
}

/// Sets the database's default for new transactions, then ends every other connection
/// to it so that none keeps the old one.
async fn set_read_only(connection: &mut AnyConnection, on: bool) {
    let value = if on { "on" } else { "off" };
    let alter = format!(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = {value}', current_database()); END $$"
    );
    connection.execute(alter.as_str()).await.unwrap();
    connection
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
}

async fn health(base: &str) -> (StatusCode, serde_json::Value) {
    let response = reqwest::get(format!("{base}/healthz")).await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn readiness_reports_a_database_that_refuses_writes() {
    let app = spawn_app().await;
    let refusal = refuse_writes(&app).await;
    let (management, public) = tokio::join!(health(&app.management), health(&app.base));
    assert_eq!(management.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(management.1["database"], "read-only", "{}", management.1);
    assert_eq!(public.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(public.1, serde_json::json!({ "status": "unavailable" }));

    refusal.lift().await;
    let ready = eventually("readiness once writes are taken again", || async {
        match health(&app.management).await {
            (StatusCode::OK, body) => Ok(body),
            seen => Err(seen),
        }
    })
    .await;
    assert_eq!(ready["database"], "ok");
}
