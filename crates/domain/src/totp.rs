//! Checking a typed code (RFC 6238 5.2): the current step or one step back, never a
//! future one; a step at or before the last accepted one is a replay.

use spse_protocol::{CODE_DIGITS, TotpKey, time_step};

use super::token;

/// Bytes of a new TOTP secret (160 bits, RFC 4226 R6).
pub const SECRET_BYTES: usize = 20;

/// A fresh secret from the operating system's CSPRNG.
pub fn new_secret() -> TotpKey {
    TotpKey::new(token::random_bytes(SECRET_BYTES))
}

/// The enrolment token of a pending secret: derived from it, so it never needs storing
/// (only its hash is kept, to find the activation), and it proves the app scanned this QR.
pub fn enroll_token(key: &TotpKey) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"spse-enroll-v1");
    hasher.update(key.secret());
    hex::encode(hasher.finalize())
}

/// A code as typed, normalised once before any check: spaces and tabs anywhere are
/// dropped ("123 456"), then exactly six ASCII digits must remain. Anything else
/// (full-width digits, letters, five or seven digits) is not a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > 32 {
            return None;
        }
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '\t')).collect();
        (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of checking a code against the secret and the last accepted step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Valid for this step, later than any accepted before; the caller must still claim
    /// the step atomically in the store.
    Fresh {
        step: i64,
    },
    /// Valid, but its step was already used.
    Reused,
    Wrong,
}

/// Checks `code` at `now` (unix seconds).
pub fn check(key: &TotpKey, code: &Code, now: i64, last_step: Option<i64>) -> CodeCheck {
    let current = time_step(now.max(0) as u64) as i64;
    let mut reused = false;
    for step in [current, current - 1] {
        if step < 0 {
            continue;
        }
        if token::equal(&key.code_for_step(step as u64), code.as_str()) {
            if last_step.is_none_or(|last| step > last) {
                return CodeCheck::Fresh { step };
            }
            reused = true;
        }
    }
    if reused {
        CodeCheck::Reused
    } else {
        CodeCheck::Wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_700_000_010; // 10 s into step 56_666_667

    fn key() -> TotpKey {
        TotpKey::new(b"12345678901234567890".to_vec())
    }

    fn code_at(t: i64) -> Code {
        Code::parse(&key().code_at(t as u64)).unwrap()
    }

    #[test]
    fn normalisation() {
        assert_eq!(Code::parse(" 123456 ").unwrap().as_str(), "123456");
        assert_eq!(Code::parse("123 456").unwrap().as_str(), "123456");
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            "123-456",
            &"1".repeat(100),
        ] {
            assert_eq!(Code::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn window_is_current_and_one_back() {
        let step = T / 30;
        for offset in [-2i64, -1, 0, 1, 2] {
            let code = code_at(T + offset * 30);
            let expected = match offset {
                0 => CodeCheck::Fresh { step },
                -1 => CodeCheck::Fresh { step: step - 1 },
                _ => CodeCheck::Wrong,
            };
            assert_eq!(check(&key(), &code, T, None), expected, "offset {offset}");
        }
    }

    #[test]
    fn exact_step_boundary() {
        let start = (T / 30) * 30; // first second of the step
        let code = code_at(start - 31); // two steps back at `start`
        assert_eq!(
            check(&key(), &code, start - 1, None),
            CodeCheck::Fresh {
                step: start / 30 - 2
            }
        );
        assert_eq!(check(&key(), &code, start, None), CodeCheck::Wrong);
    }

    #[test]
    fn replay_of_same_or_earlier_step() {
        let step = T / 30;
        assert_eq!(check(&key(), &code_at(T), T, Some(step)), CodeCheck::Reused);
        assert_eq!(
            check(&key(), &code_at(T - 30), T, Some(step)),
            CodeCheck::Reused
        );
        assert_eq!(
            check(&key(), &code_at(T), T, Some(step - 1)),
            CodeCheck::Fresh { step }
        );
    }
}
