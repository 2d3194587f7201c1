//! A database that answers reads but refuses writes, as with a full disk: readiness says
//! so, and logout still ends the session. The refusal is a trigger on every table that
//! fails each insert, update and delete, for the connections already open too (on
//! PostgreSQL a statement trigger, on SQLite a row trigger per kind of write).

use reqwest::StatusCode;
use spse_domain::user::UserKind;
use sqlx::{AnyConnection, Connection, Executor, Row};

use crate::helpers::*;

/// Writes to the database are refused until [`Refusal::lift`].
pub struct Refusal {
    connection: AnyConnection,
    postgres: bool,
    tables: Vec<String>,
}

pub async fn refuse_writes(database_url: &str) -> Refusal {
    let postgres = database_url.starts_with("postgres");
    let mut connection = AnyConnection::connect(database_url)
        .await
        .expect("a connection of the test's own");
    let list = if postgres {
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
         AND tablename <> '_sqlx_migrations'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'"
    };
    let tables: Vec<String> = sqlx::query(list)
        .fetch_all(&mut connection)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect();
    if postgres {
        connection
            .execute(
                "CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$",
            )
            .await
            .unwrap();
    }
    for table in &tables {
        if postgres {
            let sql = format!(
                "CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE OR DELETE ON \"{table}\" \
                 FOR EACH STATEMENT EXECUTE FUNCTION refuse_writes()"
            );
            connection.execute(sql.as_str()).await.unwrap();
        } else {
            for write in ["INSERT", "UPDATE", "DELETE"] {
                let sql = format!(
                    "CREATE TRIGGER refuse_{write}_{table} BEFORE {write} ON \"{table}\" \
                     BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                );
                connection.execute(sql.as_str()).await.unwrap();
            }
        }
    }
    Refusal {
        connection,
        postgres,
        tables,
    }
}

impl Refusal {
    pub async fn lift(mut self) {
        for table in &self.tables {
            if self.postgres {
                let sql = format!("DROP TRIGGER refuse_writes ON \"{table}\"");
                self.connection.execute(sql.as_str()).await.unwrap();
            } else {
                for write in ["INSERT", "UPDATE", "DELETE"] {
                    let sql = format!("DROP TRIGGER refuse_{write}_{table}");
                    self.connection.execute(sql.as_str()).await.unwrap();
                }
            }
        }
        if self.postgres {
            self.connection
                .execute("DROP FUNCTION refuse_writes()")
                .await
                .unwrap();
        }
        self.connection.close().await.unwrap();
    }
}

async fn health(base: &str) -> (StatusCode, serde_json::Value) {
    let response = reqwest::get(format!("{base}/healthz")).await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn readiness_reports_a_database_that_refuses_writes() {
    let app = spawn_app().await;
    let refusal = refuse_writes(&app.database_url).await;
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

#[tokio::test]
async fn logout_clears_the_cookie_and_ends_the_session_when_writes_are_refused() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let b = app
        .login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
        .await;
    let kept = b.session_cookie().expect("session cookie");
    assert_eq!(b.get("/beranda").await.status, StatusCode::OK);

    let refusal = refuse_writes(&app.database_url).await;
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.location(), Some("/?ended=logout"), "{}", out.body);
    assert_eq!(b.session_cookie(), None, "the cookie is cleared");
    let replay = Browser::with_session_cookie(&app.base, &kept);
    assert_eq!(
        replay.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "the old id is refused while the database keeps its row"
    );

    refusal.lift().await;
    assert_eq!(
        replay.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "and once it takes writes again"
    );
    assert_eq!(app.auth.delete_ended_sessions().await, 0);
    let hash = spse_domain::token::hash(&kept);
    let rows = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = '{hash}'"
        ))
        .await;
    assert_eq!(rows, 0, "the row is deleted once it can be");
    assert_eq!(
        replay.get("/beranda").await.location(),
        Some("/login?ended=elsewhere"),
        "for good"
    );
}
