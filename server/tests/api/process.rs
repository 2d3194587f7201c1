//! The real `spse-auth serve` as a child process, stopped on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct ServerProcess {
    child: Child,
    pub base: String,
    /// What the server printed on stdout before it started listening (demo accounts).
    pub stdout: Vec<String>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `spse-auth` with a clean locale and none of the caller's SPSE_* settings.
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

    /// Waits (polling, bounded) for the process to exit; its success, or `None` if it
    /// is still running after `limit`.
    pub fn exited_within(&mut self, limit: Duration) -> Option<bool> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.success());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
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
            // The JSON log line names the bound address: `"listen":"127.0.0.1:PORT"`.
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(at) = line.find("\"listen\":\"") {
                    let rest = &line[at + 10..];
                    let addr: String = rest.chars().take_while(|c| *c != '"').collect();
                    let _ = tx.send(format!("http://{addr}"));
                }
            }
        });
        let lines: Vec<String> = Vec::new();
        let (out_tx, out_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server printed its URL");
        let mut server = Self {
            child,
            base,
            stdout: lines,
        };
        while let Ok(line) = out_rx.recv_timeout(Duration::from_millis(200)) {
            server.stdout.push(line);
        }
        server
    }
}
