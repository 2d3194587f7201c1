//! `spawn_app()` and what a test does with the app it started. The browser stand-in and
//! the page scraping are spse-testkit's, shared with the bench.

use std::sync::Arc;

use spse_auth::app::Application;
use spse_auth::config::RawSettings;
use spse_domain::clock::ManualClock;
use spse_domain::user::{Role, UserKind};
use spse_protocol::TotpKey;
use spse_usecases::{Auth, NewUserInput};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

/// 2027-01-15 08:00:10 UTC: 10 seconds into a TOTP step.
pub const START: i64 = 1_800_000_010;
pub use spse_testkit::{Browser, PASSWORD, Page, eventually};

pub struct TestApp {
    pub base: String,
    /// The SPSE Authenticator web app's origin (`http://127.0.0.1:PORT`, no slash).
    pub app_origin: String,
    /// The management listener: `/metrics` and the health checks in detail.
    pub management: String,
    /// The app's database, for processes that must share it (CLI, a restarted app).
    pub database_url: String,
    /// Dropped last: the database outlives the connections to it.
    _database: crate::database::TestDatabase,
    pub clock: Arc<ManualClock>,
    pub auth: Arc<Auth>,
    pub dir: tempfile::TempDir,
    pub db: AnyPool,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Starts the real application on port 0 with a fresh SQLite file and a pinned clock.
pub async fn spawn_with(configure: impl FnOnce(&mut RawSettings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, database_url) =
        crate::database::TestDatabase::create(crate::database::wants_postgres()).await;
    let mut raw = RawSettings::default();
    if let Some(url) = database_url {
        raw.set("database_url", url);
    }
    raw.set("data_dir", dir.path().display().to_string());
    raw.set("listen", "127.0.0.1:0");
    raw.set("management_listen", "127.0.0.1:0");
    raw.set("app_listen", "127.0.0.1:0");
    raw.set("captcha", "off");
    raw.set("hash_concurrency", "2");
    configure(&mut raw);
    let settings = raw.resolve(false).expect("settings");
    let clock = Arc::new(ManualClock::new(START));
    let app = Application::build(&settings, clock.clone())
        .await
        .expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let app_origin = app.app_url().origin().ascii_serialization();
    let management = format!(
        "http://{}",
        app.management_addr().expect("management address")
    );
    let auth = app.auth();
    tokio::spawn(app.run_until_stopped());
    sqlx::any::install_default_drivers();
    let db = AnyPoolOptions::new()
        .max_connections(2)
        .connect(&settings.database_url)
        .await
        .expect("test connection to the app's database");
    TestApp {
        base,
        app_origin,
        management,
        database_url: settings.database_url.clone(),
        _database: database,
        clock,
        auth,
        dir,
        db,
    }
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    pub async fn add_user(&self, user_id: &str, kind: UserKind) {
        self.add_user_with_role(user_id, kind, Role::User).await;
    }

    pub async fn add_user_with_role(&self, user_id: &str, kind: UserKind, role: Role) {
        self.auth
            .add_user(NewUserInput {
                user_id: user_id.into(),
                kind,
                email: format!("{}@lpse.example.go.id", user_id.to_lowercase()),
                name: format!("Pengguna {user_id}"),
                role,
                password: PASSWORD.into(),
            })
            .await
            .expect("user added");
    }

    /// A user with TOTP active, and the key their authenticator holds.
    pub async fn add_active_user(&self, user_id: &str, kind: UserKind) -> TotpKey {
        self.add_user(user_id, kind).await;
        let browser = self.browser();
        browser.start_login(kind, user_id).await;
        browser
            .post("/login/password", &[("password", PASSWORD)])
            .await;
        let key = browser.activation_key().await;
        let page = browser
            .post("/totp/aktivasi", &[("code", &self.code(&key))])
            .await;
        assert_eq!(page.location(), Some("/beranda"), "activation of {user_id}");
        // Move past the step used for activation so the next code is fresh.
        self.clock.advance(30);
        key
    }

    /// A browser through the password step and on the code step's page (the acceptor),
    /// and that page as shown: for a user with a device, it offers an approval.
    pub async fn at_acceptor(
        &self,
        kind: UserKind,
        user_id: &str,
        password: &str,
    ) -> (Browser, Page) {
        let browser = self.browser();
        let page = browser.password_step(kind, user_id, password).await;
        assert_eq!(
            page.location(),
            Some("/totp/acceptor"),
            "password of {user_id}"
        );
        let acceptor = browser.get("/totp/acceptor").await;
        (browser, acceptor)
    }

    /// A browser signed in all the way: the password, then a code. The pinned clock moves
    /// on one TOTP step first, since a code works once and an earlier step's may be used.
    pub async fn login(
        &self,
        kind: UserKind,
        user_id: &str,
        password: &str,
        key: &TotpKey,
    ) -> Browser {
        self.clock.advance(30);
        let (browser, _) = self.at_acceptor(kind, user_id, password).await;
        let page = browser
            .post("/totp/acceptor", &[("code", &self.code(key))])
            .await;
        assert_eq!(page.location(), Some("/beranda"), "code of {user_id}");
        browser
    }

    /// Runs the real `spse-auth` binary on this app's data directory. Awaited, not
    /// blocking: the app shares this test's runtime and must keep serving meanwhile (a
    /// blocked app holding a row lock would stall the command on PostgreSQL).
    pub async fn run_cli(&self, args: &[&str]) -> std::process::Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_spse-auth"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C")
            .env("SPSE_DATABASE_URL", &self.database_url)
            .output()
            .await
            .expect("spse-auth runs")
    }

    /// Whether the user still has a TOTP secret.
    pub async fn has_totp(&self, user_id: &str) -> bool {
        sqlx::query("SELECT totp_secret FROM users WHERE user_key = $1")
            .bind(user_id.to_lowercase())
            .fetch_one(&self.db)
            .await
            .expect("user row")
            .get::<Option<Vec<u8>>, _>(0)
            .is_some()
    }

    /// Access-log rows as (event, detail).
    pub async fn event_details(&self, user_id: &str) -> Vec<(String, String)> {
        sqlx::query("SELECT event, detail FROM access_events WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.db)
            .await
            .expect("events")
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect()
    }

    pub fn clock_now(&self) -> i64 {
        use spse_domain::clock::Clock;
        self.clock.now()
    }

    pub fn code(&self, key: &TotpKey) -> String {
        key.code_at(self.clock.now_u64())
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(&self.db)
            .await
            .expect(sql)
            .get::<i64, _>(0)
    }

    pub async fn events(&self, user_id: &str) -> Vec<String> {
        sqlx::query("SELECT event FROM access_events WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.db)
            .await
            .expect("events")
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect()
    }

    /// The outbox once it holds `n` mails: the queue's worker delivers in the background.
    /// Waits for delivery, not for a time rule; the clock stays pinned.
    pub async fn wait_for_outbox(&self, n: usize) -> Vec<String> {
        eventually(&format!("{n} mails in the outbox"), || async {
            let mails = self.outbox();
            if mails.len() >= n {
                return Ok(mails);
            }
            self.auth.wake_mail_worker();
            Err(format!("{} mails", mails.len()))
        })
        .await
    }

    /// The first mail in the outbox containing `needle`, once the worker has written it.
    pub async fn mail_with(&self, needle: &str) -> String {
        eventually(&format!("a mail with {needle:?} in the outbox"), || async {
            let mails = self.outbox();
            if let Some(mail) = mails.iter().find(|m| m.contains(needle)) {
                return Ok(mail.clone());
            }
            self.auth.wake_mail_worker();
            Err(format!("{} other mails", mails.len()))
        })
        .await
    }

    /// Rows still waiting in the mail queue.
    pub async fn queued_mail(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM mail_queue WHERE failed = 0")
            .await
    }

    pub fn outbox(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("outbox")) else {
            return Vec::new();
        };
        let mut mails: Vec<_> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| std::fs::read_to_string(e.path()).expect("mail file"))
            .collect();
        mails.sort();
        mails
    }
}

pub trait NowU64 {
    fn now_u64(&self) -> u64;
}

impl NowU64 for ManualClock {
    fn now_u64(&self) -> u64 {
        use spse_domain::clock::Clock;
        self.now() as u64
    }
}
