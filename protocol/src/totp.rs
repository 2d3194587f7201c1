//! RFC 6238 codes with the parameters SPSE uses: SHA-1, 6 digits, 30-second steps.

use totp_rs::{Algorithm, TOTP};

/// Seconds per time step (RFC 6238 X).
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

/// The time step a unix time falls in (RFC 6238 T, with T0 = 0).
pub fn time_step(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// A shared TOTP secret, able to produce the code of any time step.
#[derive(Clone)]
pub struct TotpKey {
    totp: TOTP,
}

impl TotpKey {
    /// Wraps raw secret bytes. Any length is accepted here; the server decides how long
    /// the secrets it issues are (160 bits).
    pub fn new(secret: Vec<u8>) -> Self {
        let totp = TOTP::new_unchecked(Algorithm::SHA1, CODE_DIGITS, 0, STEP_SECONDS, secret);
        Self { totp }
    }

    /// Reads a base32 secret as shown for manual entry (spaces and case ignored).
    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        totp_rs::Secret::Encoded(cleaned)
            .to_bytes()
            .ok()
            .filter(|b| !b.is_empty())
            .map(Self::new)
    }

    /// The code valid during the given time step.
    pub fn code_for_step(&self, step: u64) -> String {
        self.totp.generate(step * STEP_SECONDS)
    }

    /// The code valid at the given unix time.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp.generate(unix_seconds)
    }

    /// The secret in RFC 4648 base32 without padding, as authenticator apps expect it.
    pub fn to_base32(&self) -> String {
        self.totp.get_secret_base32()
    }

    /// The raw secret bytes.
    pub fn secret(&self) -> &[u8] {
        &self.totp.secret
    }
}

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8-digit codes truncated to our 6 digits: the
    /// last six digits of the published value, since both are `value mod 10^d`).
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let key = TotpKey::new(b"12345678901234567890".to_vec());
        let vectors = [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, eight_digits) in vectors {
            assert_eq!(key.code_at(time), eight_digits[2..], "T = {time}");
        }
    }

    #[test]
    fn step_boundaries() {
        assert_eq!(time_step(29), 0);
        assert_eq!(time_step(30), 1);
        let key = TotpKey::new(b"12345678901234567890".to_vec());
        assert_eq!(key.code_for_step(time_step(59)), key.code_at(59));
    }

    #[test]
    fn base32_round_trip() {
        let key = TotpKey::new(b"12345678901234567890".to_vec());
        assert_eq!(key.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let back = TotpKey::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(back.secret(), key.secret());
        assert!(TotpKey::from_base32("!!").is_none());
    }
}
