//! The real `spse-auth` binary as a child process: started on a free loopback port,
//! measured through `/proc/<pid>/status`, stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use spse_testkit::{Poll, UserKind};

/// Where the server keeps its data, and which database it uses.
#[derive(Clone)]
pub struct Target {
    pub binary: PathBuf,
    pub data_dir: PathBuf,
    /// `None`: the SQLite file in the data dir.
    pub database_url: Option<String>,
    /// Extra environment for the server, for experiments (allocator settings).
    pub env: Vec<(String, String)>,
}

impl Target {
    /// The binary with the data dir, database and bench settings in its environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .env("SPSE_DATA_DIR", &self.data_dir)
            .env("SPSE_CAPTCHA", "off")
            .env("SPSE_MANAGEMENT_LISTEN", "127.0.0.1:0")
            .env("SPSE_APP_LISTEN", "127.0.0.1:0")
            // Every client of the bench comes from one address.
            .env("SPSE_EVENT_STREAMS_PER_ADDRESS", "1000000")
            .env("SPSE_CONNECTIONS_PER_ADDRESS", "1000000")
            .env("LANG", "C");
        if let Some(url) = &self.database_url {
            command.env("SPSE_DATABASE_URL", url);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// `spse-auth user add ... --password-stdin`, as an operator would.
    pub fn add_user(&self, user_id: &str, password: &str) -> anyhow::Result<()> {
        let email = format!("{}@bench.invalid", user_id.to_lowercase());
        let name = format!("Bench {user_id}");
        spse_testkit::add_user_with_cli(
            self.command(),
            UserKind::NonPenyedia,
            user_id,
            &email,
            &name,
            password,
        )
        .map_err(anyhow::Error::msg)
    }
}

pub struct Server {
    child: Child,
    pub base: String,
    /// From spawn to the first 200 from `/healthz`.
    pub start: Duration,
}

/// Memory of the server process, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl Server {
    pub async fn start(target: &Target, log: &Path) -> anyhow::Result<Self> {
        let port = spse_testkit::free_port();
        let log = std::fs::File::create(log)?;
        let base = format!("http://127.0.0.1:{port}");
        let probe = reqwest::Client::new();
        let spawned = Instant::now();
        let mut child = target
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("spawn spse-auth serve")?;
        // Looks every millisecond: the time to the first answer is a figure of the report.
        // What the wait yields is the start's outcome; an early exit ends it too.
        let answered = Poll::new("spse-auth serve to answer /healthz")
            .within(Duration::from_secs(30))
            .every(Duration::from_millis(1))
            .until(|| {
                let exited = child.try_wait();
                let request = probe.get(format!("{base}/healthz")).send();
                async move {
                    match exited {
                        Ok(Some(status)) => return Ok(Err(anyhow!("exited at start: {status}"))),
                        Err(e) => return Ok(Err(e.into())),
                        Ok(None) => {}
                    }
                    match request.await {
                        Ok(response) if response.status() == 200 => Ok(Ok(())),
                        Ok(response) => Err(response.status().to_string()),
                        Err(e) => Err(e.to_string()),
                    }
                }
            })
            .await;
        match answered {
            Ok(started) => started.context("spse-auth serve")?,
            Err(timed_out) => {
                let _ = child.kill();
                bail!("{timed_out}");
            }
        }
        let start = spawned.elapsed();
        Ok(Self { child, base, start })
    }

    pub fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .with_context(|| format!("{name} in /proc/{}/status", self.child.id()))
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            peak_kib: field("VmHWM:")?,
        })
    }

    /// CPU time the server has used so far (user and system), in seconds.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        process_cpu_seconds(self.child.id())
    }

    /// CPU time the server's password-hashing threads (`argon2-N`) have used so far.
    pub fn hashing_cpu_seconds(&self) -> anyhow::Result<f64> {
        let mut total = 0.0;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.child.id()))? {
            let task = task?.path();
            let Ok(name) = std::fs::read_to_string(task.join("comm")) else {
                continue; // a thread that ended meanwhile
            };
            if name.starts_with("argon2-") {
                total += thread_cpu_seconds(&task).unwrap_or(0.0);
            }
        }
        Ok(total)
    }

    /// SIGTERM (graceful shutdown), then SIGKILL after 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let child = &mut self.child;
        let stopped = Poll::new("spse-auth to stop after SIGTERM")
            .within(Duration::from_secs(10))
            .until(|| {
                let exited = child.try_wait().transpose();
                async move { exited }
            })
            .await;
        match stopped {
            Ok(exited) => {
                exited?;
            }
            Err(_) => {
                self.child.kill()?;
                self.child.wait()?;
            }
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// CPU time the process `pid` has used so far (all its threads, those that ended too),
/// in seconds, read from its CPU-time clock to the nanosecond.
pub fn process_cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(pid)?);
    let clock = nix::time::clock_getcpuclockid(pid)?;
    Ok(seconds(nix::time::clock_gettime(clock)?))
}

/// CPU time this bench process has used so far, in seconds.
pub fn own_cpu_seconds() -> anyhow::Result<f64> {
    Ok(seconds(nix::time::clock_gettime(
        nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID,
    )?))
}

fn seconds(t: nix::sys::time::TimeSpec) -> f64 {
    t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9
}

/// CPU time of the thread whose `/proc` directory this is, in seconds: the first field
/// of its `schedstat` (nanoseconds on a CPU).
fn thread_cpu_seconds(task: &std::path::Path) -> Option<f64> {
    let text = std::fs::read_to_string(task.join("schedstat")).ok()?;
    let nanos: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos * 1e-9)
}

/// A database of its own on the PostgreSQL server at `admin_url`, dropped at the end.
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    pub fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("spse_bench_{}", std::process::id());
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        let url = url_with_database(admin_url, &name)?;
        Ok(Self {
            admin_url: admin_url.to_string(),
            name,
            url,
        })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if let Err(e) = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("could not drop database {}: {e:#}", self.name);
        }
    }
}

fn url_with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut parsed = reqwest::Url::parse(url).context("--postgres is not a URL")?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .context("psql (the postgresql-client package) is needed for --postgres")?;
    if !output.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

/// The workspace root, where `cargo build` runs and the results go.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The server binary: `given`, or target/release/spse-auth built fresh.
pub fn server_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    eprintln!("building the server: cargo build --release -p spse-auth");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // What `cargo run` sets for this bench would change the server's fingerprint and
    // rebuild it every time.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_") && name != "CARGO_HOME" && name != "CARGO_TARGET_DIR" {
            cargo.env_remove(name.as_ref());
        }
    }
    let status = cargo
        .args(["build", "--release", "-p", "spse-auth"])
        .current_dir(workspace())
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo build --release -p spse-auth failed");
    }
    Ok(workspace().join("target/release/spse-auth"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three readings agree on this process, and resolve less than a clock tick.
    #[test]
    fn cpu_clocks_read_this_process() {
        let own = own_cpu_seconds().unwrap();
        let by_pid = process_cpu_seconds(std::process::id()).unwrap();
        let thread = thread_cpu_seconds(std::path::Path::new("/proc/thread-self")).unwrap();
        // Burn a millisecond or so: less than one 10 ms tick of /proc/PID/stat.
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        // schedstat moves at the scheduler's accounting points (a tick, a switch, a yield).
        std::thread::yield_now();
        let (own_after, by_pid_after) = (
            own_cpu_seconds().unwrap(),
            process_cpu_seconds(std::process::id()).unwrap(),
        );
        let thread_after = thread_cpu_seconds(std::path::Path::new("/proc/thread-self")).unwrap();
        for (what, before, after) in [
            ("own clock", own, own_after),
            ("clock by pid", by_pid, by_pid_after),
            ("thread schedstat", thread, thread_after),
        ] {
            assert!(after > before, "{what} did not move: {before} -> {after}");
        }
        assert!(
            (by_pid_after - own_after).abs() < 0.05,
            "{by_pid_after} against {own_after}"
        );
    }
}
