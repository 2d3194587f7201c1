//! What the three drivers of the real programs share: the server's integration suite,
//! the authenticator's command-line tests and the bench. Each used to carry its own copy
//! of these; a fix made in one copy did not reach the others.
//!
//! Depends only on the lower crates (`spse-protocol`, `spse-domain`), never on
//! `spse-auth`, so the server's tests can use it without a cycle.

mod browser;
pub mod device;
mod eventually;
mod page;

pub use browser::{Browser, FlowError};
pub use eventually::{Attempt, Poll, TimedOut, eventually, eventually_blocking, eventually_within};
pub use page::Page;
/// The kind of account a login is for, as the browser steps take it.
pub use spse_domain::user::UserKind;

/// The password the tests and the bench give every account they make.
pub const PASSWORD: &str = "kopi tubruk pagi hari";

/// A loopback port nothing listens on right now: bound, then released. Another process
/// may take it in between, which is rare enough for tests and the bench.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// The code Debian's `oathtool` computes for `secret` (base32) at `unix`: an RFC 6238
/// implementation independent of ours, for checking ours against.
pub fn oathtool(secret: &str, unix: u64) -> String {
    let output = std::process::Command::new("oathtool")
        .args(["--totp", "-b", secret, "-N", &format!("@{unix}")])
        .output()
        .expect("oathtool is installed by the test command (Debian package oathtool)");
    assert!(
        output.status.success(),
        "oathtool: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `spse-auth user add ... --password-stdin`, as an operator adds an account; `command`
/// is the binary with the environment it should see. On failure, what it printed.
pub fn add_user_with_cli(
    mut command: std::process::Command,
    kind: spse_domain::user::UserKind,
    user_id: &str,
    email: &str,
    name: &str,
    password: &str,
) -> Result<(), String> {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command
        .args(["user", "add", "--user-id", user_id, "--kind", kind.as_str()])
        .args(["--email", email, "--name", name, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spse-auth user add does not start: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin for spse-auth user add")?
        .write_all(format!("{password}\n").as_bytes())
        .map_err(|e| format!("password to spse-auth user add: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("spse-auth user add: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "user add {user_id}: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
