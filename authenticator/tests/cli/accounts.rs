//! add, list, remove, and naming accounts.

use crate::helpers::*;

#[test]
fn add_from_uri_then_list() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .add(&spse_uri("LPSE%20Latihan", "PPK1", SECRET))
        .ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE Latihan:PPK1\n");
    assert!(!run.stdout.contains("tok123") && !run.stderr.contains("tok123"));
    sandbox
        .add(&plain_uri("LPSE-B", "vendor7", RFC_SECRET))
        .ok();

    let list = sandbox.run(&["list"]).ok();
    assert_eq!(
        list.stdout,
        "PENERBIT      AKUN     PUSH\n\
         LPSE Latihan  PPK1     tidak\n\
         LPSE-B        vendor7  tidak\n"
    );
    assert!(!list.stdout.contains(SECRET));
}

#[test]
fn list_of_a_store_not_yet_created_needs_no_passphrase() {
    let sandbox = Sandbox::new().with_passphrase(None);
    let run = sandbox.run(&["list"]).ok();
    assert!(run.stdout.starts_with("Belum ada akun."), "{}", run.stdout);
    assert!(!sandbox.store.exists());
}

#[test]
fn uri_can_come_from_stdin() {
    let sandbox = Sandbox::new();
    let uri = plain_uri("LPSE", "PPK1", SECRET);
    let run = sandbox
        .run_with_stdin(&["add", "-"], Some(&format!("{uri}\n")))
        .ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE:PPK1\n");
}

#[test]
fn adding_the_same_account_again_replaces_it_only_when_confirmed() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", RFC_SECRET)).ok();
    let before = sandbox.store_bytes();

    let refused = sandbox.add(&plain_uri("lpse", "ppk1", SECRET)).fails();
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(sandbox.store_bytes(), before);
    assert_eq!(sandbox.code_at("PPK1", 59), "287082");

    let replaced = sandbox
        .run(&["add", "--yes", &plain_uri("LPSE", "PPK1", SECRET)])
        .ok();
    assert_eq!(
        replaced.stdout,
        "Akun diganti dengan kunci yang baru: LPSE:PPK1\n"
    );
    assert_eq!(sandbox.code_at("PPK1", 59), oathtool(SECRET, 59));
    assert_eq!(sandbox.run(&["list"]).ok().stdout.lines().count(), 2);
}

#[test]
fn remove_asks_unless_yes() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    sandbox.add(&plain_uri("LPSE", "PPK2", SECRET)).ok();
    let before = sandbox.store_bytes();

    let refused = sandbox.run(&["remove", "PPK1"]).fails();
    assert!(
        refused.stderr.contains("Perlu konfirmasi"),
        "{}",
        refused.stderr
    );
    assert_eq!(sandbox.store_bytes(), before);

    let run = sandbox.run(&["remove", "ppk1", "--yes"]).ok();
    assert_eq!(run.stdout, "Akun dihapus: LPSE:PPK1\n");
    let gone = sandbox.run(&["code", "PPK1"]).fails();
    assert!(
        gone.stderr.contains("Akun tidak ditemukan: PPK1"),
        "{}",
        gone.stderr
    );
    sandbox.code_at("PPK2", 59);
}

#[test]
fn unknown_account_is_a_clear_error() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    for args in [&["code", "PPK9"][..], &["remove", "PPK9", "--yes"]] {
        let run = sandbox.run(args).fails();
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr.contains("Akun tidak ditemukan: PPK9")
                && run.stderr.contains("spse-authenticator list"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn ambiguous_account_asks_for_the_issuer() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE-A", "PPK1", RFC_SECRET)).ok();
    sandbox.add(&plain_uri("LPSE-B", "PPK1", SECRET)).ok();
    let run = sandbox.run(&["code", "PPK1"]).fails();
    assert!(
        run.stderr.contains("LPSE-A:PPK1, LPSE-B:PPK1") && run.stderr.contains("PENERBIT:AKUN"),
        "{}",
        run.stderr
    );
    assert_eq!(sandbox.code_at("lpse-a:ppk1", 59), "287082");
    assert_eq!(sandbox.code_at("LPSE-B:PPK1", 59), oathtool(SECRET, 59));
}

#[test]
fn bad_uri_is_refused_before_anything_is_created() {
    let sandbox = Sandbox::new();
    for (uri, reason) in [
        ("https://example.com/", "bukan URI otpauth://totp/"),
        (
            "otpauth://totp/LPSE:PPK1?issuer=LPSE",
            "parameter `secret` tidak ada",
        ),
        ("otpauth://totp/LPSE:PPK1?secret=!!!&issuer=LPSE", "base32"),
        (
            "otpauth://totp/LPSE:PPK1?secret=JBSWY3DP&issuer=LPSE&digits=8",
            "tidak didukung",
        ),
        ("bukan uri", "bukan URI"),
    ] {
        let run = sandbox.add(uri).fails();
        assert!(
            run.stderr.contains("URI otpauth tidak valid") && run.stderr.contains(reason),
            "{uri}: {}",
            run.stderr
        );
    }
    assert!(!sandbox.store.exists());
}

#[test]
fn usage_errors_exit_2_and_help_exists_everywhere() {
    let sandbox = Sandbox::new();
    assert_eq!(sandbox.run(&["add"]).code, Some(2));
    assert_eq!(sandbox.run(&["frobnicate"]).code, Some(2));
    assert_eq!(sandbox.run(&["code"]).code, Some(2));
    assert_eq!(
        sandbox.run(&["add", "otpauth://x", "--qr", "a.png"]).code,
        Some(2)
    );
    for command in [
        "add", "list", "code", "remove", "pending", "approve", "deny",
    ] {
        let run = sandbox.run(&[command, "--help"]).ok();
        assert!(
            run.stdout.contains("Usage: spse-authenticator"),
            "{command}: {}",
            run.stdout
        );
    }
    let top = sandbox.run(&["--help"]).ok();
    assert!(
        top.stdout.contains("--store <FILE>") && top.stdout.contains("SPSE_AUTHENTICATOR_STORE")
    );
    assert!(!top.stdout.contains("--now"), "--now is for tests only");
}
