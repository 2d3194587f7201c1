//! privacyIDEA 3.14 beside our code step (`--peer privacyidea`): installed from PyPI into
//! a throwaway virtual environment, run as its documentation runs it (gunicorn, two
//! workers, its SQLite database, auditing on, as it is by default), with TOTP tokens
//! enrolled through its REST API. Its `/validate/check` answers the same question as our
//! code step (is this the code of this token now, and not used before), so both are
//! driven by the same client with the same load shapes in one run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use spse_protocol::{TotpKey, time_step};
use spse_testkit::device::unix_now;
use tokio::sync::Mutex;

use crate::load::{Sample, in_parallel, open_loop};

/// The release the figure (26 correct codes/s) was measured with.
const VERSION: &str = "3.14";
const ADMIN_PASSWORD: &str = "bench-admin-password";

/// A running privacyIDEA, stopped (with its directory removed) when dropped.
pub struct Peer {
    pub base: String,
    gunicorn: Child,
    _dir: tempfile::TempDir,
}

/// One enrolled TOTP token and the last step a code of it was accepted at.
pub struct Token {
    serial: String,
    key: TotpKey,
    last_step: u64,
}

impl Peer {
    /// Installs privacyIDEA into a new virtual environment, creates its keys, database
    /// and an administrator, and starts it on a free port of 127.0.0.1.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let venv = dir.path().join("venv");
        eprintln!("installing privacyIDEA {VERSION} from PyPI (a minute or two)");
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv.join("bin/pip")).args([
            "install",
            "-q",
            &format!("privacyidea=={VERSION}"),
            "gunicorn",
        ]))?;
        let config = write_config(dir.path())?;
        let manage = |args: &[&str]| {
            run(Command::new(venv.join("bin/pi-manage"))
                .args(args)
                .env("PRIVACYIDEA_CONFIGFILE", &config))
        };
        manage(&["setup", "create_enckey"])?;
        manage(&["setup", "create_audit_keys"])?;
        manage(&["setup", "create_tables"])?;
        manage(&["admin", "add", "admin", "-p", ADMIN_PASSWORD])?;
        let port = free_port()?;
        let app = format!(
            "privacyidea.app:create_app(config_name='production', config_file='{}', silent=True)",
            config.display()
        );
        let gunicorn = Command::new(venv.join("bin/gunicorn"))
            .args([
                "--workers",
                "2",
                "--bind",
                &format!("127.0.0.1:{port}"),
                &app,
            ])
            .env("PRIVACYIDEA_CONFIGFILE", &config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("gunicorn.log"))?)
            .spawn()
            .context("starting gunicorn")?;
        let peer = Self {
            base: format!("http://127.0.0.1:{port}"),
            gunicorn,
            _dir: dir,
        };
        peer.wait_ready().await?;
        Ok(peer)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(answer) = http.get(format!("{}/", self.base)).send().await
                && answer.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("privacyIDEA did not answer within 60 s")
    }

    /// Enrols `count` TOTP tokens (SHA-1, 6 digits, 30 s, as ours) with random keys.
    pub async fn tokens(&self, count: usize) -> anyhow::Result<Vec<Token>> {
        let http = reqwest::Client::new();
        let auth: serde_json::Value = http
            .post(format!("{}/auth", self.base))
            .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
            .send()
            .await?
            .json()
            .await?;
        let jwt = Arc::new(
            auth["result"]["value"]["token"]
                .as_str()
                .context("privacyIDEA gave no admin token")?
                .to_string(),
        );
        let (base, http) = (Arc::new(self.base.clone()), http);
        in_parallel(4, count, |i| {
            let (base, http, jwt) = (base.clone(), http.clone(), jwt.clone());
            async move {
                let secret = hex::decode(spse_domain::token::random_hex(20))?;
                let key = TotpKey::new(secret);
                let serial = format!("BENCH{i:05}");
                let answer: serde_json::Value = http
                    .post(format!("{base}/token/init"))
                    .header("Authorization", jwt.as_str())
                    .form(&[
                        ("type", "totp"),
                        ("serial", &serial),
                        ("otpkey", &hex::encode(key.secret())),
                        ("genkey", "0"),
                        ("timeStep", "30"),
                        ("otplen", "6"),
                        ("hashlib", "sha1"),
                    ])
                    .send()
                    .await?
                    .json()
                    .await?;
                if answer["result"]["status"] != true {
                    bail!("privacyIDEA refused token {serial}: {answer}");
                }
                Ok(Token {
                    serial,
                    key,
                    last_step: 0,
                })
            }
        })
        .await
    }

    /// CPU of gunicorn's master and its workers, in seconds.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let mut total = crate::server::process_cpu_seconds(self.gunicorn.id())?;
        for pid in children(self.gunicorn.id()) {
            total += crate::server::process_cpu_seconds(pid).unwrap_or(0.0);
        }
        Ok(total)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // TERM: gunicorn stops its workers, then itself.
        let _ = Command::new("kill")
            .args(["-TERM", &self.gunicorn.id().to_string()])
            .status();
        let _ = self.gunicorn.wait();
    }
}

fn write_config(dir: &Path) -> anyhow::Result<PathBuf> {
    let path = |name: &str| dir.join(name).display().to_string();
    let config = dir.join("pi.cfg");
    std::fs::write(
        &config,
        format!(
            "SQLALCHEMY_DATABASE_URI = 'sqlite:///{db}'\n\
             SECRET_KEY = '{secret}'\n\
             PI_PEPPER = '{pepper}'\n\
             PI_ENCFILE = '{enc}'\n\
             PI_AUDIT_KEY_PRIVATE = '{private}'\n\
             PI_AUDIT_KEY_PUBLIC = '{public}'\n\
             PI_LOGFILE = '{log}'\n\
             PI_LOGLEVEL = 30\n",
            db = path("pi.sqlite"),
            secret = spse_domain::token::random_hex(24),
            pepper = spse_domain::token::random_hex(16),
            enc = path("enckey"),
            private = path("private.pem"),
            public = path("public.pem"),
            log = path("privacyidea.log"),
        ),
    )?;
    Ok(config)
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("{command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Processes whose parent is `pid` (gunicorn's workers).
fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    let after = stat
                        .rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .nth(1)?
                        .to_string();
                    after.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

type Shared = Arc<Vec<Mutex<Token>>>;

/// One `/validate/check` with the token's current code; the answer must accept it.
async fn check(http: &reqwest::Client, base: &str, token: &mut Token) -> anyhow::Result<Duration> {
    let now = unix_now();
    let step = time_step(now);
    if token.last_step >= step {
        bail!("token {} already used in this step", token.serial);
    }
    let code = token.key.code_for_step(step);
    let sent = Instant::now();
    let answer: serde_json::Value = http
        .post(format!("{base}/validate/check"))
        .form(&[("serial", token.serial.as_str()), ("pass", code.as_str())])
        .send()
        .await?
        .json()
        .await?;
    let latency = sent.elapsed();
    if answer["result"]["value"] != true {
        bail!("privacyIDEA refused a correct code: {answer}");
    }
    token.last_step = step;
    Ok(latency)
}

/// Every token sends one code, `clients` at a time; the rate is codes accepted over the
/// time from the first sent to the last answered. Tokens used in this step are skipped
/// by waiting for the next step first, as the code step does.
pub async fn saturated(base: &str, tokens: Vec<Token>, clients: usize) -> (Sample, Vec<Token>) {
    let shared: Shared = Arc::new(tokens.into_iter().map(Mutex::new).collect());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (shared, next, base) = (shared.clone(), next.clone(), base.to_string());
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap_or_default();
                let mut sample = Sample::default();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(token) = shared.get(i) else { break };
                    match check(&http, &base, &mut *token.lock().await).await {
                        Ok(latency) => sample.latencies.push(latency),
                        Err(e) => {
                            eprintln!("  {e:#}");
                            sample.errors += 1;
                        }
                    }
                }
                sample
            })
        })
        .collect();
    let mut total = Sample::default();
    for worker in workers {
        if let Ok(sample) = worker.await {
            total.latencies.extend(sample.latencies);
            total.errors += sample.errors;
        }
    }
    total.elapsed = started.elapsed();
    (total, unshare(shared))
}

/// The tokens send their codes on a schedule, `rate` per second.
pub async fn at_rate(base: &str, tokens: Vec<Token>, rate: f64) -> (Sample, Vec<Token>) {
    let shared: Shared = Arc::new(tokens.into_iter().map(Mutex::new).collect());
    let http = reqwest::Client::new();
    let (all, base) = (shared.clone(), Arc::new(base.to_string()));
    let sample = open_loop(rate, shared.len(), move |i| {
        let (all, base, http) = (all.clone(), base.clone(), http.clone());
        async move { check(&http, &base, &mut *all[i].lock().await).await }
    })
    .await;
    (sample, unshare(shared))
}

fn unshare(shared: Shared) -> Vec<Token> {
    match Arc::try_unwrap(shared) {
        Ok(tokens) => tokens.into_iter().map(Mutex::into_inner).collect(),
        Err(_) => unreachable!("every request holding a token has finished"),
    }
}

/// Waits until every token's next code is from a later step than its last accepted one.
pub async fn fresh(tokens: &[Token]) {
    let newest = tokens.iter().map(|t| t.last_step).max().unwrap_or(0);
    while time_step(unix_now()) <= newest {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
