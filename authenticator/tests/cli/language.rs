//! Indonesian by default, English when the locale or --lang says so.

use crate::helpers::*;

#[test]
fn indonesian_by_default() {
    let sandbox = Sandbox::new();
    let run = sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE:PPK1\n");
    let run = sandbox.run(&["code", "PPK9"]).fails();
    assert!(
        run.stderr.contains("Akun tidak ditemukan"),
        "{}",
        run.stderr
    );
}

#[test]
fn english_from_the_locale() {
    let sandbox = Sandbox::new().with_env("LANG", "en_US.UTF-8");
    let run = sandbox.add(&spse_uri("LPSE", "PPK1", SECRET)).ok();
    assert_eq!(run.stdout, "Account added: LPSE:PPK1\n");
    let list = sandbox.run(&["list"]).ok();
    assert!(
        list.stdout.starts_with("ISSUER  ACCOUNT  PUSH\n"),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("PPK1     no"), "{}", list.stdout);
    let run = sandbox.run(&["code", "PPK9"]).fails();
    assert!(
        run.stderr.contains("No such account: PPK9"),
        "{}",
        run.stderr
    );

    let mut wrong = Sandbox::new().with_env("LC_ALL", "en_GB.UTF-8");
    wrong.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    wrong.set_passphrase(Some("not it"));
    let run = wrong.run(&["list"]).fails();
    assert!(run.stderr.contains("Wrong passphrase"), "{}", run.stderr);
}

#[test]
fn lang_flag_beats_the_locale() {
    let sandbox = Sandbox::new().with_env("LANG", "en_US.UTF-8");
    let run = sandbox
        .run(&["--lang", "id", "add", &plain_uri("LPSE", "PPK1", SECRET)])
        .ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE:PPK1\n");
    let indonesian = Sandbox::new().with_env("LANG", "id_ID.UTF-8");
    let run = indonesian.run(&["list", "--lang", "en"]).ok();
    assert!(run.stdout.starts_with("No accounts yet."), "{}", run.stdout);
}

#[test]
fn lc_all_outranks_lang() {
    let sandbox = Sandbox::new()
        .with_env("LANG", "en_US.UTF-8")
        .with_env("LC_ALL", "id_ID.UTF-8");
    let run = sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE:PPK1\n");
}
