//! The store on disk: encrypted, owner-only, and left alone by a wrong passphrase.

use crate::helpers::*;

#[test]
fn store_is_owner_only_and_holds_no_plain_secret() {
    let sandbox = Sandbox::new();
    sandbox.add(&spse_uri("LPSE", "PPK1", SECRET)).ok();
    assert_eq!(mode(&sandbox.store), 0o600);
    assert_eq!(mode(sandbox.store.parent().unwrap()), 0o700);
    let bytes = sandbox.store_bytes();
    assert!(bytes.starts_with(b"SPSEAUTH\x01"));
    for needle in [&b"PPK1"[..], b"LPSE", SECRET.as_bytes(), b"tok123"] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    let entries = std::fs::read_dir(sandbox.store.parent().unwrap())
        .unwrap()
        .count();
    assert_eq!(entries, 1, "no temporary file left");
}

#[test]
fn every_write_uses_a_fresh_nonce() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    let first = sandbox.store_bytes();
    sandbox
        .run(&["add", "--yes", &plain_uri("LPSE", "PPK1", SECRET)])
        .ok();
    let second = sandbox.store_bytes();
    assert_eq!(first.len(), second.len());
    assert_ne!(first[37..61], second[37..61]);
}

#[test]
fn wrong_passphrase_is_refused_and_the_file_is_untouched() {
    let mut sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    let before = sandbox.store_bytes();

    sandbox.set_passphrase(Some("kata sandi panjang 124"));
    for args in [
        &["list"][..],
        &["code", "PPK1"],
        &["remove", "PPK1", "--yes"],
        &["add", "--yes", &plain_uri("LPSE", "PPK1", RFC_SECRET)],
        &["add", &plain_uri("LPSE", "PPK2", RFC_SECRET)],
    ] {
        let run = sandbox.run(args).fails();
        assert!(
            run.stderr.contains("Frasa sandi salah"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert_eq!(sandbox.store_bytes(), before, "{args:?}");
    }

    sandbox.set_passphrase(Some(PASSPHRASE));
    assert_eq!(sandbox.code_at("PPK1", 59), oathtool(SECRET, 59));
}

#[test]
fn without_terminal_or_passphrase_variable_the_error_says_what_to_do() {
    let mut sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    sandbox.set_passphrase(None);
    let run = sandbox.run(&["code", "PPK1"]).fails();
    assert!(
        run.stderr.contains("SPSE_AUTHENTICATOR_PASSPHRASE"),
        "{}",
        run.stderr
    );

    let fresh = Sandbox::new().with_passphrase(None);
    let run = fresh.add(&plain_uri("LPSE", "PPK1", SECRET)).fails();
    assert!(
        run.stderr.contains("SPSE_AUTHENTICATOR_PASSPHRASE"),
        "{}",
        run.stderr
    );
    assert!(!fresh.store.exists());

    let empty = Sandbox::new().with_passphrase(Some(""));
    let run = empty.add(&plain_uri("LPSE", "PPK1", SECRET)).fails();
    assert!(run.stderr.contains("tidak boleh kosong"), "{}", run.stderr);
}

#[test]
fn a_file_that_is_not_a_store_is_named_as_such() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.store.parent().unwrap()).unwrap();
    std::fs::write(&sandbox.store, "{\"accounts\": []}").unwrap();
    let run = sandbox.run(&["list"]).fails();
    assert!(
        run.stderr.contains("bukan penyimpanan spse-authenticator"),
        "{}",
        run.stderr
    );
}

#[test]
fn store_flag_wins_over_the_variable() {
    let sandbox = Sandbox::new();
    let elsewhere = sandbox.path("lain/store.enc");
    let flag = elsewhere.to_str().unwrap();
    sandbox
        .run(&["--store", flag, "add", &plain_uri("LPSE", "PPK1", SECRET)])
        .ok();
    assert!(elsewhere.exists() && !sandbox.store.exists());
    let run = sandbox.run(&["list", "--store", flag]).ok();
    assert!(run.stdout.contains("PPK1"));
}

#[test]
fn default_location_follows_xdg_data_home_then_home() {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let xdg = sandbox.path("xdg");
    let sandbox = sandbox
        .with_env("SPSE_AUTHENTICATOR_STORE", "")
        .with_env("HOME", home.to_str().unwrap());
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    let under_home = home.join(".local/share/spse-authenticator/store.json.enc");
    assert_eq!(mode(&under_home), 0o600);

    let sandbox = sandbox.with_env("XDG_DATA_HOME", xdg.to_str().unwrap());
    sandbox.add(&plain_uri("LPSE", "PPK2", SECRET)).ok();
    assert_eq!(mode(&xdg.join("spse-authenticator/store.json.enc")), 0o600);
    assert_eq!(mode(&xdg.join("spse-authenticator")), 0o700);
}
