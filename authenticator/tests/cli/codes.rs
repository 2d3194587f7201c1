//! Codes agree with the reference implementation, and scripts get just the code.

use crate::helpers::*;

const TIMES: [u64; 9] = [
    0,
    29,
    30,
    59,
    1_111_111_109,
    1_234_567_890,
    1_700_000_000,
    2_000_000_000,
    20_000_000_000,
];

#[test]
fn codes_match_oathtool_at_pinned_times() {
    let sandbox = Sandbox::new();
    sandbox.add(&spse_uri("LPSE", "PPK1", SECRET)).ok();
    sandbox.add(&plain_uri("RFC", "rfc6238", RFC_SECRET)).ok();
    for unix in TIMES {
        assert_eq!(
            sandbox.code_at("PPK1", unix),
            oathtool(SECRET, unix),
            "PPK1 at {unix}"
        );
        assert_eq!(
            sandbox.code_at("rfc6238", unix),
            oathtool(RFC_SECRET, unix),
            "RFC at {unix}"
        );
    }
}

#[test]
fn scripts_get_only_the_code() {
    let sandbox = Sandbox::new();
    sandbox.add(&plain_uri("LPSE", "PPK1", SECRET)).ok();
    for args in [
        &["code", "PPK1", "--at", "59"][..],
        &["code", "--quiet", "PPK1", "--at", "59"],
    ] {
        let run = sandbox.run(args).ok();
        assert_eq!(run.stdout, format!("{}\n", oathtool(SECRET, 59)));
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
}

#[test]
fn code_without_a_store_is_an_unknown_account() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["code", "PPK1"]).fails();
    assert!(
        run.stderr.contains("Akun tidak ditemukan: PPK1"),
        "{}",
        run.stderr
    );
}
