//! PostgreSQL stopped mid-run: the service fails closed with a clear 503, says so on
//! the management listener's /healthz, and recovers by itself when the database is back. Uses a cluster of its own
//! (initdb/pg_ctl as the `postgres` user), since it stops it.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use spse_domain::user::UserKind;
use spse_testkit::{eventually_within, free_port};

use crate::helpers::*;

struct OwnCluster {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
}

fn as_postgres(bin: &std::path::Path, tool: &str, args: &[&str]) {
    let status = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(tool))
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("runuser (util-linux) runs; this test needs root and the postgres user");
    assert!(status.success(), "{tool} {args:?}");
}

impl OwnCluster {
    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries (Debian package postgresql)")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .max()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .status()
            .unwrap();
        let data = dir.path().join("data");
        as_postgres(
            &bin,
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        let cluster = Self {
            dir,
            port: free_port(),
            bin,
        };
        cluster.up();
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("log");
        let mut all = vec!["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap()];
        all.extend_from_slice(args);
        as_postgres(&self.bin, "pg_ctl", &all);
    }

    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.pg_ctl(&["-w", "-o", &options, "start"]);
    }

    fn down(&self) {
        self.pg_ctl(&["-w", "-m", "fast", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

async fn health(app: &TestApp) -> (StatusCode, serde_json::Value) {
    let response = reqwest::get(format!("{}/healthz", app.management))
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_database_outage_fails_closed_and_heals_without_a_restart() {
    // Its cluster is its own, but it needs what SPSE_TEST_DATABASE_URL promises: the
    // PostgreSQL binaries and their user on this machine.
    if crate::database::skip_without_postgres() {
        return;
    }
    let cluster = OwnCluster::start();
    let url = cluster.url();
    let app = spawn_with(|raw| raw.set("database_url", url)).await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.start_login(UserKind::NonPenyedia, "PPK1").await;
    b.get("/login/password").await;
    let before = b.session_cookie();

    cluster.down();
    let page = b.post("/login/password", &[("password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.body.contains("Layanan sedang tidak tersedia"),
        "{}",
        page.body
    );
    assert_eq!(b.session_cookie(), before, "no session issued");
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["database"], "unreachable");
    let live = reqwest::get(format!("{}/healthz/live", app.management))
        .await
        .unwrap();
    assert_eq!(
        live.status(),
        StatusCode::OK,
        "alive: restarting would not help"
    );

    cluster.up();
    // The pool reconnects by itself; wait for readiness (bounded), then log in.
    let ready_again = "readiness after the database came back";
    eventually_within(ready_again, Duration::from_secs(30), || async {
        match health(&app).await {
            (StatusCode::OK, _) => Ok(()),
            seen => Err(seen),
        }
    })
    .await;
    let page = b.post("/login/password", &[("password", PASSWORD)]).await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
    let failures: i64 =
        sqlx::query_scalar("SELECT password_failures FROM users WHERE user_key = 'ppk1'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(failures, 0, "the outage counted nothing against the user");
}
