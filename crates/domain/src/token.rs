//! Random bearer values (session ids, enrolment tokens) and the only form we store.

use sha2::{Digest, Sha256};

/// A fresh random value from the operating system, hex encoded.
pub fn random_hex(bytes: usize) -> String {
    hex::encode(random_bytes(bytes))
}

/// Fresh random bytes from the operating system's CSPRNG.
pub fn random_bytes(bytes: usize) -> Vec<u8> {
    let mut buf = vec![0u8; bytes];
    // The OS generator failing is not something to limp on from.
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf
}

/// What the database keeps of a bearer value: its SHA-256, so a leaked table grants nothing.
pub fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Compares two secrets without leaking where they differ.
pub fn equal(a: &str, b: &str) -> bool {
    equal_bytes(a.as_bytes(), b.as_bytes())
}

/// [`equal`] for bytes.
pub fn equal_bytes(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_hex(16);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
        assert!(equal(&a, &a.clone()));
        assert!(!equal(&a, &random_hex(16)));
        assert!(!equal("ab", "abc"));
    }
}
