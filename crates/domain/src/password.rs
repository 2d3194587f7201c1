//! Password rules (NIST SP 800-63B 5.1.1.2): length, not composition; NFKC so that the
//! same password typed on another keyboard still matches; no truncation.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use super::user::UserId;

/// Fewest characters of a new password.
pub const MIN_CHARS: usize = 8;
/// Most characters of a new password (at least 64, per NIST).
pub const MAX_CHARS: usize = 128;
/// Inputs longer than this are refused before any hashing work.
pub const MAX_INPUT_BYTES: usize = 1024;

static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();

fn common_passwords() -> &'static HashSet<&'static str> {
    COMMON.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Why a new password was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("shorter than {MIN_CHARS} characters")]
    TooShort,
    #[error("longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("one of the most common passwords")]
    Common,
    #[error("contains the user ID")]
    ContainsUserId,
}

/// The form of a typed password that is hashed and verified: NFKC, nothing trimmed.
/// `None` when the input is too large to be worth hashing.
pub fn normalize(raw: &str) -> Option<String> {
    (raw.len() <= MAX_INPUT_BYTES).then(|| raw.nfkc().collect())
}

/// A new password that passed every rule, already normalised.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str, user_id: &UserId) -> Result<Self, PasswordError> {
        let normalized = normalize(raw).ok_or(PasswordError::TooLong)?;
        let chars = normalized.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lower = normalized.to_lowercase();
        if common_passwords().contains(lower.as_str()) {
            return Err(PasswordError::Common);
        }
        if lower.contains(&user_id.key()) {
            return Err(PasswordError::ContainsUserId);
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> UserId {
        UserId::parse("PPK1").unwrap()
    }

    #[test]
    fn length_rules_count_characters_not_bytes() {
        assert_eq!(
            NewPassword::parse("kopi7ab", &id()).unwrap_err(),
            PasswordError::TooShort
        );
        assert!(
            NewPassword::parse("kopi tubruk manis", &id()).is_ok(),
            "spaces allowed"
        );
        assert!(
            NewPassword::parse("ÿÿÿÿÿÿÿÿ", &id()).is_ok(),
            "8 characters, 16 bytes"
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(MAX_CHARS + 1), &id()).unwrap_err(),
            PasswordError::TooLong
        );
        assert_eq!(normalize(&"x".repeat(1_000_000)), None);
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        assert!(common_passwords().len() >= 10_000);
        assert_eq!(
            NewPassword::parse("password123", &id()).unwrap_err(),
            PasswordError::Common
        );
        assert_eq!(
            NewPassword::parse("QWERTYUIOP", &id()).unwrap_err(),
            PasswordError::Common
        );
        assert_eq!(
            NewPassword::parse("my-ppk1-secret", &id()).unwrap_err(),
            PasswordError::ContainsUserId
        );
    }

    #[test]
    fn nfc_and_nfd_forms_normalise_alike() {
        let nfc = "caf\u{e9} latte pagi";
        let nfd = "cafe\u{301} latte pagi";
        assert_ne!(nfc, nfd);
        assert_eq!(normalize(nfc), normalize(nfd));
        assert_eq!(
            NewPassword::parse(nfd, &id()).unwrap().as_str(),
            normalize(nfc).unwrap()
        );
    }
}
