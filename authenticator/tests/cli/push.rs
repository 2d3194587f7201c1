//! Enrolment and login approval against a real HTTP server (`push_server`), with the
//! app's clock pinned to the server's by `--now`.

use spse_protocol::api::Decision;

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

/// A sandbox whose PPK1 is enrolled with `server`.
fn enrolled(server: &TestServer) -> Sandbox {
    let sandbox = Sandbox::new();
    server.issue_token("tok-ppk1", "PPK1", SECRET_BYTES);
    sandbox
        .run(&[
            "add",
            &push_uri(&server.url, "PPK1", "tok-ppk1"),
            "--now",
            &now(0),
        ])
        .ok();
    sandbox
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
    // The stored key and device id sign requests the server accepts.
    let run = sandbox.run(&["pending", "--now", &now(5)]).ok();
    assert_eq!(run.stdout, "Tidak ada login yang menunggu persetujuan.\n");
    // ...and they are in the encrypted store only.
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

    let server = TestServer::start();
    let sandbox = enrolled(&server);
    drop(server);
    for args in [
        &["pending"][..],
        &["approve", "PPK1", "--number", "1", "--yes"],
        &["deny", "PPK1", "--yes"],
    ] {
        let run = sandbox.run(args).fails();
        assert!(
            run.stderr.contains("server tidak menjawab: "),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn pending_shows_account_time_ip_and_browser_but_never_the_number() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    let run = sandbox.run(&["pending", "--now", &now(0)]).ok();
    assert_eq!(run.stdout, "Tidak ada login yang menunggu persetujuan.\n");
    let run = sandbox.run(&["pending", "--json", "--now", &now(0)]).ok();
    assert_eq!(run.stdout.trim(), "[]");

    server.login("ap-1", "PPK1", T - 30, 58, "203.0.113.7");
    server.login("ap-2", "PPK1", T - 10, 76, "198.51.100.4");
    let run = sandbox.run(&["pending", "--now", &now(0)]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "AKUN  WAKTU                 IP            PERAMBAN"
    );
    assert_eq!(
        lines[1],
        "PPK1  15-11-2023 05:13 WIB  198.51.100.4  Chrome di Linux"
    );
    assert_eq!(
        lines[2],
        "PPK1  15-11-2023 05:12 WIB  203.0.113.7   Chrome di Linux"
    );
    assert!(lines[3].contains("spse-authenticator approve"));

    let run = sandbox
        .run(&["pending", "PPK1", "--json", "--now", &now(0)])
        .ok();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let first = json.as_array().unwrap()[0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "account",
            "created_at",
            "expires_at",
            "id",
            "ip",
            "issuer",
            "user_agent"
        ]
    );
    assert_eq!(first["id"], "ap-2");
    assert_eq!(first["issuer"], "LPSE");
    assert_eq!(first["account"], "PPK1");
    assert_eq!(first["created_at"], T - 10);
    assert_eq!(first["expires_at"], T + 110);
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(!run.stdout.contains("76") && !run.stdout.contains("58"));
}

#[test]
fn approve_sends_the_typed_number_for_the_newest_login() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.login("ap-old", "PPK1", T - 60, 11, "203.0.113.7");
    server.login("ap-new", "PPK1", T - 5, 42, "198.51.100.4");
    let run = sandbox
        .run(&[
            "approve",
            "PPK1",
            "--number",
            "42",
            "--yes",
            "--now",
            &now(0),
        ])
        .ok();
    assert!(
        run.stdout.starts_with("Login disetujui: PPK1."),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("198.51.100.4"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 login lain juga menunggu"),
        "{}",
        run.stderr
    );
    let state = server.state();
    assert_eq!(state.decisions.len(), 1);
    let (id, request) = &state.decisions[0];
    assert_eq!(id, "ap-new");
    assert_eq!(request.decision, Decision::Approve);
    assert_eq!(request.number, Some(42));
}

#[test]
fn on_a_terminal_approve_asks_the_number_then_yes() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    let run = sandbox.run_in_terminal(&["approve", "PPK1", "--now", &now(0)], "42\ny\n");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let screen = run.stdout;
    let asked = screen.find("Angka yang tampil di browser: ").unwrap();
    let confirmed = screen
        .find("Setujui login PPK1 dari IP 203.0.113.7 (Chrome di Linux)? [y/T]")
        .unwrap();
    let approved = screen.find("Login disetujui: PPK1.").unwrap();
    assert!(asked < confirmed && confirmed < approved, "{screen}");
    assert_eq!(server.state().decisions[0].1.number, Some(42));

    server.login("ap-2", "PPK1", T, 43, "203.0.113.7");
    let run = sandbox.run_in_terminal(&["approve", "PPK1", "--now", &now(0)], "43\n\n");
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("Dibatalkan"), "{}", run.stdout);
    assert_eq!(server.state().decisions.len(), 1, "a plain Enter is a no");
}

#[test]
fn without_a_terminal_approve_needs_the_number_and_yes_as_flags() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    let run = sandbox
        .run(&["approve", "PPK1", "--yes", "--now", &now(0)])
        .fails();
    assert!(run.stderr.contains("--number N"), "{}", run.stderr);
    let run = sandbox
        .run(&["approve", "PPK1", "--number", "42", "--now", &now(0)])
        .fails();
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(server.state().decisions.is_empty());
}

#[test]
fn refusals_are_explained() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    let approve = |number: &str| {
        sandbox
            .run(&[
                "approve",
                "PPK1",
                "--number",
                number,
                "--yes",
                "--now",
                &now(0),
            ])
            .fails()
            .stderr
    };

    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    let stderr = approve("24");
    assert!(stderr.contains("Angka tidak cocok"), "{stderr}");
    assert!(stderr.contains("dihitung menuju penguncian"), "{stderr}");

    server.state().force_decision = Some(spse_protocol::api::ErrorCode::AlreadyDecided);
    let stderr = approve("42");
    assert!(stderr.contains("sudah diputuskan"), "{stderr}");

    server.state().force_decision = Some(spse_protocol::api::ErrorCode::Locked);
    let stderr = approve("42");
    assert!(stderr.contains("Akun terkunci sementara"), "{stderr}");

    // Listed while still valid, expired by the time the decision arrives.
    server.state().approvals.clear();
    server.login("ap-2", "PPK1", T - 118, 42, "203.0.113.7");
    server.state().tick = 5;
    let stderr = approve("42");
    assert!(stderr.contains("sudah kedaluwarsa"), "{stderr}");
    server.state().tick = 0;

    let clock = server.state().clock;
    let skewed = sandbox
        .run(&["pending", "--now", &(clock + 3600).to_string()])
        .fails();
    assert!(skewed.stderr.contains("jam perangkat"), "{}", skewed.stderr);

    let run = sandbox
        .run(&[
            "approve",
            "PPK1",
            "--number",
            "42",
            "--yes",
            "--now",
            &clock.to_string(),
        ])
        .fails();
    assert!(
        run.stderr.contains("Tidak ada login PPK1 yang menunggu")
            || run
                .stderr
                .contains("Tidak ada login LPSE:PPK1 yang menunggu"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_device_replaced_by_another_can_no_longer_decide() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.state().devices[0].revoked = true;
    let run = sandbox.run(&["pending", "--now", &now(0)]).fails();
    assert!(
        run.stderr
            .contains("perangkat ini tidak lagi terdaftar untuk akun ini"),
        "{}",
        run.stderr
    );
}

#[test]
fn pending_lists_every_account_it_can_and_names_the_others() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.issue_token("tok-ppk2", "PPK2", SECRET_BYTES);
    sandbox
        .run(&[
            "add",
            &push_uri(&server.url, "PPK2", "tok-ppk2"),
            "--now",
            &now(0),
        ])
        .ok();
    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    server.login("ap-2", "PPK2", T - 1, 43, "198.51.100.4");
    let run = sandbox.run(&["pending", "--now", &now(0)]).ok();
    assert!(run.stdout.contains("PPK1  15-11-2023"), "{}", run.stdout);
    assert!(run.stdout.contains("PPK2  15-11-2023"), "{}", run.stdout);

    server.state().devices[1].revoked = true;
    let run = sandbox.run(&["pending", "--now", &now(0)]).fails();
    assert!(run.stdout.contains("PPK1  15-11-2023"), "{}", run.stdout);
    assert!(!run.stdout.contains("PPK2"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("LPSE:PPK2: perangkat ini tidak lagi terdaftar untuk akun ini"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 akun tidak dapat diperiksa"),
        "{}",
        run.stderr
    );
}

#[test]
fn deny_and_not_me_send_their_decision() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    let run = sandbox
        .run(&["deny", "PPK1", "--yes", "--now", &now(0)])
        .ok();
    assert!(
        run.stdout.starts_with("Login ditolak: PPK1."),
        "{}",
        run.stdout
    );

    server.login("ap-2", "PPK1", T, 43, "203.0.113.7");
    let run = sandbox
        .run(&["deny", "PPK1", "--not-me", "--yes", "--now", &now(0)])
        .ok();
    assert!(run.stdout.contains("helpdesk"), "{}", run.stdout);
    assert!(run.stdout.contains("dijeda"), "{}", run.stdout);

    let state = server.state();
    let sent: Vec<(&str, Decision, Option<u32>)> = state
        .decisions
        .iter()
        .map(|(id, r)| (id.as_str(), r.decision, r.number))
        .collect();
    assert_eq!(
        sent,
        [
            ("ap-1", Decision::Deny, None),
            ("ap-2", Decision::NotMe, None)
        ]
    );
}

#[test]
fn deny_without_a_terminal_needs_yes() {
    let server = TestServer::start();
    let sandbox = enrolled(&server);
    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    let run = sandbox.run(&["deny", "PPK1", "--now", &now(0)]).fails();
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(server.state().decisions.is_empty());
}

#[test]
fn approval_in_english() {
    let server = TestServer::start();
    let sandbox = enrolled(&server).with_env("LANG", "en_US.UTF-8");
    server.login("ap-1", "PPK1", T, 42, "203.0.113.7");
    let run = sandbox.run(&["pending", "--now", &now(0)]).ok();
    assert!(run.stdout.starts_with("ACCOUNT  TIME"), "{}", run.stdout);
    assert!(run.stdout.contains("Chrome on Linux"), "{}", run.stdout);
    let run = sandbox
        .run(&[
            "approve",
            "PPK1",
            "--number",
            "42",
            "--yes",
            "--now",
            &now(0),
        ])
        .ok();
    assert!(
        run.stdout.starts_with("Login approved: PPK1."),
        "{}",
        run.stdout
    );
}

#[test]
fn accounts_without_push_are_named_as_such() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    let run = sandbox.run(&["pending"]).ok();
    assert!(
        run.stdout
            .starts_with("Belum ada akun dengan persetujuan login")
    );
    for args in [
        &["pending", "PPK1"][..],
        &["approve", "PPK1", "--number", "1", "--yes"],
        &["deny", "PPK1", "--yes"],
    ] {
        let run = sandbox.run(args).fails();
        assert!(
            run.stderr
                .contains("tidak terhubung untuk persetujuan login"),
            "{args:?}: {}",
            run.stderr
        );
    }
}
