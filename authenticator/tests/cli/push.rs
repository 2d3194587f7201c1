//! Enrolment against a real HTTP server (`push_server`), with the app's clock pinned
//! to the server's by `--now`.

use crate::helpers::*;
use crate::push_server::{T, TestServer, dead_server_url};

/// The bytes of `SECRET` ("Hello!\xde\xad\xbe\xef" twice).
const SECRET_BYTES: &[u8] = b"Hello!\xde\xad\xbe\xefHello!\xde\xad\xbe\xef";

fn push_uri(server: &str, account: &str, token: &str) -> String {
    format!(
        "otpauth://totp/LPSE:{account}?secret={SECRET}&issuer=LPSE&algorithm=SHA1&digits=6&period=30&server={}&enroll={token}",
        server.replace(':', "%3A").replace('/', "%2F")
    )
}

fn now(offset: i64) -> String {
    (T + offset).to_string()
}

#[test]
fn enrolment_binds_this_device_with_a_current_code() {
    let server = TestServer::start();
    server.issue_token("tok-ppk1", "PPK1", SECRET_BYTES);
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&[
            "add",
            &push_uri(&server.url, "PPK1", "tok-ppk1"),
            "--now",
            &now(0),
        ])
        .ok();
    assert_eq!(
        run.stdout,
        "Akun ditambahkan: LPSE:PPK1\nLogin PPK1 kini dapat disetujui dari aplikasi ini.\n"
    );
    {
        let state = server.state();
        let enrolment = &state.enrolments[0];
        assert_eq!(enrolment.token, "tok-ppk1");
        assert_eq!(enrolment.code, oathtool(SECRET, T as u64));
        assert_eq!(state.devices.len(), 1);
        assert!(state.devices[0].name.starts_with("spse-authenticator"));
    }
    assert!(
        sandbox
            .run(&["list"])
            .ok()
            .stdout
            .contains("LPSE      PPK1  ya")
    );
    // The device id is in the encrypted store only.
    let bytes = sandbox.store_bytes();
    assert!(!bytes.windows(5).any(|w| w == b"dev-1"));
}

#[test]
fn a_refused_enrolment_stores_nothing_unless_no_push() {
    let server = TestServer::start();
    let sandbox = Sandbox::new();
    let uri = push_uri(&server.url, "PPK1", "used-elsewhere");
    let run = sandbox.run(&["add", &uri, "--now", &now(0)]).fails();
    assert!(
        run.stderr
            .contains("QR ini sudah dipakai perangkat lain atau kedaluwarsa"),
        "{}",
        run.stderr
    );
    assert!(!sandbox.store.exists());

    sandbox.add(&plain_uri("LPSE", "PPK9", SECRET)).ok();
    let before = sandbox.store_bytes();
    sandbox.run(&["add", &uri, "--now", &now(0)]).fails();
    assert_eq!(sandbox.store_bytes(), before);

    let asked = server.state().requests;
    let run = sandbox.run(&["add", "--no-push", &uri]).ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE:PPK1\n");
    assert_eq!(server.state().requests, asked, "--no-push asks no server");
    assert!(sandbox.run(&["list"]).ok().stdout.contains("PPK1  tidak"));
}

#[test]
fn a_wrong_clock_at_enrolment_is_named() {
    let server = TestServer::start();
    server.issue_token("tok", "PPK1", SECRET_BYTES);
    let sandbox = Sandbox::new();
    let uri = push_uri(&server.url, "PPK1", "tok");
    let run = sandbox.run(&["add", &uri, "--now", &now(3600)]).fails();
    assert!(run.stderr.contains("jam perangkat"), "{}", run.stderr);
    assert!(!sandbox.store.exists());
}

#[test]
fn a_server_that_does_not_answer() {
    let sandbox = Sandbox::new();
    let uri = push_uri(&dead_server_url(), "PPK1", "tok");
    let run = sandbox.run(&["add", &uri]).fails();
    assert!(
        run.stderr.contains("server tidak menjawab: ") && run.stderr.contains("--no-push"),
        "{}",
        run.stderr
    );
    assert!(!sandbox.store.exists());
}
