//! The vector file that the SPSE Authenticator web app's tests read
//! (`protocol/vectors/authenticator-v1.json`): request signatures and codes as this
//! crate makes them. The file is checked here, so the two sides cannot disagree without
//! a test failing; `SPSE_PROTOCOL_WRITE_VECTORS=1` rewrites it after a deliberate change.

#![allow(clippy::unwrap_used)]

use spse_protocol::TotpKey;
use spse_protocol::api::{DeviceKey, signing_input, verify};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/authenticator-v1.json");

/// Ed25519 signs deterministically: a fixed seed and nonce give one signature.
fn signature(seed: [u8; 32], method: &str, path: &str, ts: i64, nonce: &str, body: &str) -> String {
    use ed25519_dalek::{Signer, SigningKey};
    let key = SigningKey::from_bytes(&seed);
    let input = signing_input(method, path, ts, nonce, body.as_bytes());
    hex::encode(key.sign(&input).to_bytes())
}

fn vectors() -> serde_json::Value {
    let requests = [
        (
            [7u8; 32],
            "GET",
            "/api/authenticator/v1/approvals",
            1_800_000_010,
            "00112233445566778899aabbccddeeff",
            "",
        ),
        (
            [42u8; 32],
            "POST",
            "/api/authenticator/v1/enroll",
            1_800_000_040,
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            r#"{"token":"abc","public_key":"00","code":"123456","device_name":"HP Budi"}"#,
        ),
        (
            [1u8; 32],
            "post",
            "/api/authenticator/v1/approvals/a1b2c3/decision?x=1",
            1_700_000_000,
            "ffffffffffffffffffffffffffffffff",
            r#"{"decision":"approve","number":42}"#,
        ),
    ];
    let signed: Vec<_> = requests
        .iter()
        .map(|(seed, method, path, ts, nonce, body)| {
            let key = DeviceKey::from_bytes(seed);
            let input = signing_input(method, path, *ts, nonce, body.as_bytes());
            let sig = signature(*seed, method, path, *ts, nonce, body);
            verify(
                &key.public_hex(),
                method,
                path,
                *ts,
                nonce,
                body.as_bytes(),
                &sig,
            )
            .unwrap();
            serde_json::json!({
                "seed": hex::encode(seed),
                "public_key": key.public_hex(),
                "method": method,
                "path": path,
                "timestamp": ts,
                "nonce": nonce,
                "body": body,
                "signing_input": String::from_utf8(input).unwrap(),
                "signature": sig,
            })
        })
        .collect();
    let secrets = [
        "JBSWY3DPEHPK3PXP",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "MFRGGZDFMZTWQ2LK",
    ];
    let times = [0u64, 59, 1_111_111_109, 1_800_000_010, 2_000_000_000];
    let codes: Vec<_> = secrets
        .iter()
        .flat_map(|secret| {
            let key = TotpKey::from_base32(secret).unwrap();
            times.iter().map(move |t| {
                serde_json::json!({ "secret": secret, "time": t, "code": key.code_at(*t) })
            })
        })
        .collect();
    serde_json::json!({ "signed_requests": signed, "codes": codes })
}

#[test]
fn the_vector_file_matches_this_crate() {
    let expected = serde_json::to_string_pretty(&vectors()).unwrap() + "\n";
    if std::env::var_os("SPSE_PROTOCOL_WRITE_VECTORS").is_some() {
        std::fs::write(FILE, &expected).unwrap();
    }
    let found = std::fs::read_to_string(FILE).unwrap_or_default();
    assert!(
        found == expected,
        "{FILE} differs from what the protocol crate signs and computes: \
         the web app's tests would check against stale vectors \
         (rewrite it with SPSE_PROTOCOL_WRITE_VECTORS=1 if the change is deliberate)"
    );
}
