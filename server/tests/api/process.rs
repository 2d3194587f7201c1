//! The real `spse-auth serve` as a child process, stopped on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spse_testkit::{eventually, eventually_blocking};

pub struct ServerProcess {
    child: Child,
    pub base: String,
    /// The management listener (`/metrics`, `/healthz` in detail).
    pub management: String,
    /// Every line the server has printed on stdout so far (the demo accounts), read by a
    /// thread of its own.
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `spse-auth` with a clean locale and none of the caller's SPSE_* settings, its
/// management listener on a free port (two servers at once must not share 9000).
pub fn spse_auth() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spse-auth"));
    command
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    for (name, _) in std::env::vars() {
        if name.starts_with("SPSE_") {
            command.env_remove(name);
        }
    }
    command.env("SPSE_MANAGEMENT_LISTEN", "127.0.0.1:0");
    command.env("SPSE_APP_LISTEN", "127.0.0.1:0");
    command
}

impl ServerProcess {
    /// Sends SIGTERM, as an orchestrator stopping the instance does.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit; whether it exited successfully.
    pub fn exit_success_within(&mut self, limit: Duration) -> bool {
        let child = &mut self.child;
        let status = eventually_blocking("the server process to exit", limit, || {
            match child.try_wait() {
                Ok(Some(status)) => Ok(status),
                Ok(None) => Err("still running".to_string()),
                Err(e) => Err(e.to_string()),
            }
        });
        status.success()
    }

    /// The first line on stdout that `wanted` accepts, once the server has printed it:
    /// the lines come before it listens, but their reader thread may lag behind.
    pub async fn printed(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        eventually(what, || async {
            let lines = self.stdout.lock().unwrap();
            match lines.iter().find(|line| wanted(line)) {
                Some(line) => Ok(line.clone()),
                None => Err(lines.clone()),
            }
        })
        .await
    }

    /// Starts `command` (a `serve`) and waits until it says where it listens.
    pub fn start(mut command: Command) -> Self {
        command
            .env("SPSE_LOG_FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spse-auth serve starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // The JSON log line names the bound addresses: `"listen":"127.0.0.1:PORT"`
            // and `"management":"127.0.0.1:PORT"`.
            let field = |line: &str, name: &str| {
                let key = format!("\"{name}\":\"");
                let at = line.find(&key)? + key.len();
                let addr: String = line[at..].chars().take_while(|c| *c != '"').collect();
                Some(format!("http://{addr}"))
            };
            for line in stderr.lines().map_while(Result::ok) {
                if let (Some(base), Some(management)) =
                    (field(&line, "listen"), field(&line, "management"))
                {
                    let _ = tx.send((base, management));
                }
            }
        });
        let lines = Arc::new(Mutex::new(Vec::new()));
        let printed = lines.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                printed.lock().unwrap().push(line);
            }
        });
        let (base, management) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server printed its URL");
        Self {
            child,
            base,
            management,
            stdout: lines,
        }
    }
}
