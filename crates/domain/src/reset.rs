//! Rules of the reset by email: the code in the link, the captcha, the request limits.

use super::token;

/// Bytes of randomness in an emailed reset code (256 bits; 128 is the floor).
pub const CODE_BYTES: usize = 32;
/// Reset mails sent per account, and requests (matching or not) per IP, within
/// [`LIMIT_WINDOW_SECS`].
pub const MAX_MAILS_PER_ACCOUNT: i64 = 5;
pub const MAX_REQUESTS_PER_IP: i64 = 20;
pub const LIMIT_WINDOW_SECS: i64 = 3600;
/// Digits in a captcha answer, and how long one may be answered.
pub const CAPTCHA_DIGITS: usize = 5;
pub const CAPTCHA_SECS: i64 = 600;
/// Unexpired captchas one address may hold: each draw writes a row, and the image is
/// open to anyone. A form and its redraws need a few; past this, 429.
pub const MAX_CAPTCHAS_PER_ADDRESS: i64 = 30;
/// Times one captcha may be drawn or spoken: always its one answer, so the picture and
/// the sound agree, but only a few times, so an answer cannot be drawn again and again
/// with fresh noise and the renders compared. A page needs the picture once and the
/// sound once or twice; "Gambar lain" starts a new captcha.
pub const MAX_CAPTCHA_RENDERS: i64 = 5;
/// The proof of work a browser computes instead (ALTCHA v1): how long a challenge may
/// be answered, and its difficulty. The number sought is drawn from `0..=POW_MAX_NUMBER`,
/// so a browser hashes half of that on average: about a second on a mid-range phone.
pub const POW_SECS: i64 = 600;
pub const POW_MAX_NUMBER: u64 = 40_000;
/// Proofs one address may have spent among the unexpired ones: each spent proof is
/// recorded (so that it answers once), and anyone can solve challenges.
pub const MAX_POWS_PER_ADDRESS: i64 = 30;

/// The code of a reset link, checked for shape before any lookup.
#[derive(Clone, PartialEq, Eq)]
pub struct ResetCode(String);

impl std::fmt::Debug for ResetCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetCode(..)")
    }
}

impl ResetCode {
    pub fn generate() -> Self {
        Self(token::random_hex(CODE_BYTES))
    }

    /// Exactly the 64 lowercase hex digits a generated code has: a truncated or padded
    /// code is refused before it reaches the database.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == CODE_BYTES * 2
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub fn hash(&self) -> String {
        token::hash(&self.0)
    }
}

/// Whether a stored code still opens: unused and before its expiry.
pub fn code_usable(expires_at: i64, used_at: Option<i64>, now: i64) -> bool {
    used_at.is_none() && now < expires_at
}

/// A new captcha answer: digits only, so it can also be read aloud.
pub fn captcha_answer() -> String {
    token::random_bytes(CAPTCHA_DIGITS)
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

/// The form's captcha id: 128 random bits in hex, made by the page.
pub fn captcha_id_valid(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What the database keeps of an answer: bound to its captcha id.
pub fn captcha_answer_hash(id: &str, answer: &str) -> String {
    let normalized: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    token::hash(&format!("{id}:{normalized}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_and_strictly_shaped() {
        let code = ResetCode::generate();
        assert_eq!(code.as_str().len(), 64);
        assert_eq!(ResetCode::parse(code.as_str()), Some(code.clone()));
        assert!(ResetCode::parse(&code.as_str()[..63]).is_none());
        assert!(ResetCode::parse(&format!("{}0", code.as_str())).is_none());
        assert!(ResetCode::parse(&code.as_str().to_uppercase()).is_none());
        assert_ne!(code.hash(), code.as_str());
    }

    #[test]
    fn codes_expire_at_their_boundary() {
        assert!(code_usable(1000, None, 999));
        assert!(!code_usable(1000, None, 1000));
        assert!(!code_usable(1000, Some(5), 10));
    }

    #[test]
    fn captcha_answers_are_digits_bound_to_their_id() {
        let answer = captcha_answer();
        assert_eq!(answer.len(), CAPTCHA_DIGITS);
        assert!(answer.bytes().all(|b| b.is_ascii_digit()));
        let id = token::random_hex(16);
        assert!(captcha_id_valid(&id));
        assert_eq!(
            captcha_answer_hash(&id, "12 345"),
            captcha_answer_hash(&id, "12345")
        );
        assert_ne!(
            captcha_answer_hash(&id, "12345"),
            captcha_answer_hash("0", "12345")
        );
    }
}
