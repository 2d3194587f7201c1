//! `spawn_app()` and a cookie-keeping browser stand-in that fills in CSRF tokens the way a
//! real form does.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
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
pub const PASSWORD: &str = "kopi tubruk pagi hari";

pub struct TestApp {
    pub base: String,
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
    raw.set("captcha", "off");
    raw.set("hash_concurrency", "2");
    configure(&mut raw);
    let settings = raw.resolve(false).expect("settings");
    let clock = Arc::new(ManualClock::new(START));
    let app = Application::build(&settings, clock.clone())
        .await
        .expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
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

    /// A browser signed in all the way (password and code), on the next TOTP step so the
    /// code is fresh.
    pub async fn login(
        &self,
        kind: UserKind,
        user_id: &str,
        password: &str,
        key: &TotpKey,
    ) -> Browser {
        self.clock.advance(30);
        let browser = self.browser();
        let page = browser.password_step(kind, user_id, password).await;
        assert_eq!(
            page.location(),
            Some("/totp/acceptor"),
            "password of {user_id}"
        );
        browser.get("/totp/acceptor").await;
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

    /// A browser signed in all the way (password and code) as an active user.
    pub async fn full_login(&self, kind: UserKind, user_id: &str, key: &TotpKey) -> Browser {
        let browser = self.browser();
        let page = browser.password_step(kind, user_id, PASSWORD).await;
        assert_eq!(page.location(), Some("/totp/acceptor"), "{user_id}");
        let done = browser
            .post("/totp/acceptor", &[("code", &self.code(key))])
            .await;
        assert_eq!(done.location(), Some("/beranda"), "{user_id} signed in");
        // The next login needs a later step.
        self.clock.advance(30);
        browser
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
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let mails = self.outbox();
            if mails.len() >= n || std::time::Instant::now() > deadline {
                return mails;
            }
            self.auth.wake_mail_worker();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
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

/// What a response looked like.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The text of the element with this id, tags stripped.
    pub fn by_id(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find("</")?;
        Some(
            html_unescape(&self.body[open_end..close])
                .trim()
                .to_string(),
        )
    }

    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        Some(self.body[start..start + 64].to_string())
    }

    pub fn error(&self) -> Option<String> {
        self.by_id_class("error")
    }

    fn by_id_class(&self, class: &str) -> Option<String> {
        let marker = format!("class=\"{class}\"");
        let start = self.body.find(&marker)?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find("</")?;
        Some(
            html_unescape(&self.body[open_end..close])
                .trim()
                .to_string(),
        )
    }
}

fn html_unescape(text: &str) -> String {
    text.replace("&#x20;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// One browser: its own cookie jar, no automatic redirects, the last CSRF token seen.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    csrf: Mutex<Option<String>>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) spse-auth-tests")
            .build()
            .expect("client");
        Self {
            base: base.to_string(),
            client,
            jar,
            csrf: Mutex::new(None),
        }
    }

    async fn read(&self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        let page = Page {
            status,
            headers,
            body,
        };
        if let Some(token) = page.csrf() {
            *self.csrf.lock().expect("lock") = Some(token);
        }
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().expect("lock").clone().unwrap_or_default()
    }

    /// Posts a form as the page would: with the CSRF token of the last page seen.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }

    /// Choose the kind, enter the user ID: ends on the password step.
    pub async fn start_login(&self, kind: UserKind, user_id: &str) {
        self.get(&format!("/login/{}", kind.as_str())).await;
        let page = self
            .post(
                &format!("/login/{}", kind.as_str()),
                &[("user_id", user_id)],
            )
            .await;
        assert_eq!(
            page.location(),
            Some("/login/password"),
            "user ID step for {user_id}"
        );
    }

    /// Up to the TOTP step: returns where the password step sent us.
    pub async fn password_step(&self, kind: UserKind, user_id: &str, password: &str) -> Page {
        self.start_login(kind, user_id).await;
        self.get("/login/password").await;
        self.post("/login/password", &[("password", password)])
            .await
    }

    /// The key shown for manual entry on the activation page.
    pub async fn activation_key(&self) -> TotpKey {
        let page = self.get("/totp/aktivasi").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let text = page.by_id("totp-key").expect("key on the page");
        TotpKey::from_base32(&text).expect("base32 key")
    }

    /// The current session cookie's value.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        let url = self.base.parse().expect("base URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("spse_session="))
            .map(str::to_string)
    }

    /// A second browser that carries a copied session cookie (a stolen or kept id).
    pub fn with_session_cookie(base: &str, value: &str) -> Self {
        let browser = Self::new(base);
        let url = base.parse().expect("base URL");
        browser
            .jar
            .add_cookie_str(&format!("spse_session={value}; Path=/"), &url);
        browser
    }
}
