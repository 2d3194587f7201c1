//! The proof of work a browser computes instead of reading the captcha: not a cognitive
//! test (WCAG 2.2 SC 3.3.8). The ALTCHA v1 format: the server draws a number `n` at
//! random, sends `challenge = hex(SHA-256(salt + n))` with the salt and an HMAC of the
//! challenge, and the browser tries numbers until one hashes to the challenge. The salt
//! carries the expiry (`<24 hex>?expires=<unix>&`, ending in its delimiter, so salt and
//! number cannot be shifted into each other), and the HMAC covers the challenge, which
//! covers the salt: neither can be changed without the key. Making a challenge writes
//! nothing; a proof that passes is recorded so that it answers once.
//!
//! Written here rather than taken from `altcha-lib-rs`: that crate (0.3) brings a second
//! `hmac`, `sha2` and `rand` besides chrono, compares the signature with `!=`, and checks
//! expiry against the system clock rather than ours; the format itself is these lines.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use spse_domain::reset::{POW_MAX_NUMBER, POW_SECS};
use spse_domain::token;

/// The only algorithm offered: what every browser's WebCrypto digests.
const ALGORITHM: &str = "SHA-256";
/// Random bytes in a salt (24 hex digits).
const SALT_BYTES: usize = 12;
/// Longest payload accepted, base64 included: a real one is about 300 characters.
pub const PAYLOAD_MAX: usize = 1024;

/// What the browser is sent (ALTCHA's challenge JSON).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PowChallenge {
    pub algorithm: &'static str,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// What the browser posts back, as base64 of this JSON (ALTCHA's payload).
#[derive(Debug, Deserialize)]
struct Payload {
    algorithm: String,
    challenge: String,
    number: u64,
    salt: String,
    signature: String,
}

/// A proof that passed: the challenge to record as spent, and until when it would have
/// passed (the record need not outlive it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowProof {
    pub challenge: String,
    pub expires_at: i64,
}

/// Signs and checks challenges with a key derived from the server key.
pub struct PowKey {
    key: [u8; 32],
}

impl PowKey {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn sign(&self, challenge: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(challenge.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new challenge that expires [`POW_SECS`] after `now`.
    pub fn challenge(&self, now: i64) -> PowChallenge {
        let salt = format!(
            "{}?expires={}&",
            token::random_hex(SALT_BYTES),
            now + POW_SECS
        );
        let random = u64::from_le_bytes(
            token::random_bytes(8)
                .try_into()
                .expect("eight random bytes"),
        );
        let number = random % (POW_MAX_NUMBER + 1);
        let challenge = digest(&salt, number);
        PowChallenge {
            algorithm: ALGORITHM,
            signature: self.sign(&challenge),
            challenge,
            maxnumber: POW_MAX_NUMBER,
            salt,
        }
    }

    /// The proof in `payload` if it solves a challenge signed with this key that has
    /// not expired at `now`; `None` for anything else (malformed, forged, altered,
    /// expired, wrong number). Whether it was spent already is the store's to say.
    pub fn verify(&self, payload: &str, now: i64) -> Option<PowProof> {
        if payload.len() > PAYLOAD_MAX {
            return None;
        }
        let json = base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .ok()?;
        let payload: Payload = serde_json::from_slice(&json).ok()?;
        if payload.algorithm != ALGORITHM {
            return None;
        }
        let expires_at = salt_expiry(&payload.salt)?;
        if now >= expires_at || expires_at > now + POW_SECS {
            return None;
        }
        let solved = token::equal(&digest(&payload.salt, payload.number), &payload.challenge);
        let signed = token::equal(&self.sign(&payload.challenge), &payload.signature);
        (solved && signed).then_some(PowProof {
            challenge: payload.challenge,
            expires_at,
        })
    }
}

fn digest(salt: &str, number: u64) -> String {
    hex::encode(Sha256::digest(format!("{salt}{number}").as_bytes()))
}

/// The expiry of a salt of exactly the shape [`PowKey::challenge`] makes; `None` for any
/// other shape (other parameters, no delimiter, a longer random part).
fn salt_expiry(salt: &str) -> Option<i64> {
    let (random, rest) = salt.split_once("?expires=")?;
    let expires = rest.strip_suffix('&')?;
    let random_ok = random.len() == SALT_BYTES * 2 && random.bytes().all(|b| b.is_ascii_hexdigit());
    let expires_ok =
        (1..=12).contains(&expires.len()) && expires.bytes().all(|b| b.is_ascii_digit());
    (random_ok && expires_ok)
        .then(|| expires.parse().ok())
        .flatten()
}

/// What a browser does: the first number whose hash is the challenge. For tests.
pub fn solve(challenge: &PowChallenge) -> Option<u64> {
    (0..=challenge.maxnumber).find(|&n| digest(&challenge.salt, n) == challenge.challenge)
}

/// A payload as the browser posts it, for a number found for `challenge`. For tests.
pub fn payload(challenge: &PowChallenge, number: u64) -> String {
    let json = serde_json::json!({
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": number,
        "salt": challenge.salt,
        "signature": challenge.signature,
        "took": 1,
    });
    base64::engine::general_purpose::STANDARD.encode(json.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn key() -> PowKey {
        PowKey::new([7; 32])
    }

    #[test]
    fn a_solved_challenge_passes_until_it_expires() {
        let challenge = key().challenge(NOW);
        assert_eq!(challenge.maxnumber, POW_MAX_NUMBER);
        assert!(
            challenge
                .salt
                .ends_with(&format!("?expires={}&", NOW + POW_SECS))
        );
        let number = solve(&challenge).expect("solvable");
        let payload = payload(&challenge, number);
        let proof = key().verify(&payload, NOW).expect("passes");
        assert_eq!(proof.challenge, challenge.challenge);
        assert_eq!(proof.expires_at, NOW + POW_SECS);
        assert!(
            key().verify(&payload, NOW + POW_SECS - 1).is_some(),
            "just in time"
        );
        assert!(key().verify(&payload, NOW + POW_SECS).is_none(), "expired");
    }

    #[test]
    fn forged_altered_and_wrong_proofs_fail() {
        let challenge = key().challenge(NOW);
        let number = solve(&challenge).unwrap();
        assert!(
            PowKey::new([8; 32])
                .verify(&payload(&challenge, number), NOW)
                .is_none()
        );
        assert!(
            key()
                .verify(&payload(&challenge, number + 1), NOW)
                .is_none()
        );
        let later = PowChallenge {
            salt: challenge
                .salt
                .replace(&(NOW + POW_SECS).to_string(), &(NOW + 9999).to_string()),
            ..challenge.clone()
        };
        assert!(
            key().verify(&payload(&later, number), NOW).is_none(),
            "expiry moved"
        );
        let forged = PowChallenge {
            signature: "0".repeat(64),
            ..challenge.clone()
        };
        assert!(key().verify(&payload(&forged, number), NOW).is_none());
        for junk in ["", "not base64!", "e30=", &"A".repeat(PAYLOAD_MAX + 1)] {
            assert!(key().verify(junk, NOW).is_none(), "{junk}");
        }
    }

    #[test]
    fn only_the_salts_this_server_makes_are_read() {
        assert_eq!(
            salt_expiry("0123456789abcdef01234567?expires=1800000600&"),
            Some(1_800_000_600)
        );
        for bad in [
            "0123456789abcdef01234567?expires=1800000600",
            "0123456789abcdef01234567?expires=1800000600&x=1&",
            "0123456789abcdef0123456?expires=1800000600&",
            "0123456789abcdef01234567?expires=-1&",
            "0123456789abcdef01234567",
        ] {
            assert_eq!(salt_expiry(bad), None, "{bad}");
        }
    }

    /// The format is ALTCHA's: a payload made by altcha-lib-rs's own test (key
    /// "super-secret") checks out here, by the same two hashes.
    #[test]
    fn the_hashes_are_altchas() {
        let salt = "3065d108b2314f5ecc7e1207";
        assert_eq!(
            digest(salt, 971_813),
            "aa9c8ec8057413dd8220e21e15ab54b095fb3c840601d44c39bece8d9df34529"
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"super-secret").unwrap();
        mac.update(b"aa9c8ec8057413dd8220e21e15ab54b095fb3c840601d44c39bece8d9df34529");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "d6c436288f1979f298f6532cea31db9e84e6338f4f58a9e00cb4105abbd11397"
        );
    }
}
