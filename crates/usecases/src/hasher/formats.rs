//! The password hashes an imported account may bring with it: bcrypt (`$2a$`, `$2b$`,
//! `$2y$`, as PHP and most PHP frameworks write them), Django's PBKDF2-SHA256
//! (`pbkdf2_sha256$iterations$salt$hash`) and argon2 of any kind and parameters (a PHC
//! string). They verify at login and give way to today's argon2id at the first success.
//!
//! Every cost is bounded: a hash is work the server does at each login attempt on the
//! account, and one with a bcrypt cost of 31 (days) or 10^9 PBKDF2 rounds would hold a
//! hashing slot, and the logins queued behind it, for as long as it runs.

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Params};
use base64::Engine as _;

use spse_domain::token;

/// bcrypt's cost is a power of two; 15 is about two seconds on a server core.
pub const BCRYPT_MAX_COST: u32 = 15;
/// Django 5.2 writes 1,000,000.
pub const PBKDF2_MAX_ITERATIONS: u32 = 5_000_000;
/// 256 MiB, two orders above what any password library defaults to.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;
pub const ARGON2_MAX_PASSES: u32 = 16;
pub const ARGON2_MAX_LANES: u32 = 16;

/// A kind of password hash the server verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFormat {
    Argon2,
    Bcrypt,
    DjangoPbkdf2,
}

impl HashFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Argon2 => "argon2",
            Self::Bcrypt => "bcrypt",
            Self::DjangoPbkdf2 => "pbkdf2_sha256",
        }
    }
}

/// Why a password hash is not one the server can keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HashFormatError {
    #[error("not a bcrypt, Django PBKDF2-SHA256 or argon2 hash")]
    Unknown,
    #[error("a {} hash that does not parse", .0.as_str())]
    Malformed(HashFormat),
    #[error("a {} hash whose cost is beyond what a login may spend", .0.as_str())]
    TooCostly(HashFormat),
}

/// The format of `hash`, if the server can verify it within the cost bounds.
pub fn classify(hash: &str) -> Result<HashFormat, HashFormatError> {
    if ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p)) {
        let parts: bcrypt::HashParts = hash
            .parse()
            .map_err(|_| HashFormatError::Malformed(HashFormat::Bcrypt))?;
        if parts.get_cost() > BCRYPT_MAX_COST {
            return Err(HashFormatError::TooCostly(HashFormat::Bcrypt));
        }
        return Ok(HashFormat::Bcrypt);
    }
    if hash.starts_with("pbkdf2_sha256$") {
        let django =
            Django::parse(hash).ok_or(HashFormatError::Malformed(HashFormat::DjangoPbkdf2))?;
        if django.iterations > PBKDF2_MAX_ITERATIONS {
            return Err(HashFormatError::TooCostly(HashFormat::DjangoPbkdf2));
        }
        return Ok(HashFormat::DjangoPbkdf2);
    }
    if hash.starts_with("$argon2") {
        let malformed = HashFormatError::Malformed(HashFormat::Argon2);
        let parsed = PasswordHash::new(hash).map_err(|_| malformed)?;
        Algorithm::try_from(parsed.algorithm).map_err(|_| malformed)?;
        let params = Params::try_from(&parsed).map_err(|_| malformed)?;
        if parsed.salt.is_none() || parsed.hash.is_none() {
            return Err(malformed);
        }
        if params.m_cost() > ARGON2_MAX_MEMORY_KIB
            || params.t_cost() > ARGON2_MAX_PASSES
            || params.p_cost() > ARGON2_MAX_LANES
        {
            return Err(HashFormatError::TooCostly(HashFormat::Argon2));
        }
        return Ok(HashFormat::Argon2);
    }
    Err(HashFormatError::Unknown)
}

/// Verifies a bcrypt or Django hash; argon2 is the caller's (`verify_blocking`), with
/// its reused memory.
///
/// bcrypt reads only the first 72 bytes of a password, and so did the system that wrote
/// the hash: a longer password verifies as it did there, and from then on the whole of
/// it counts, in the argon2id hash that replaces this one.
pub(super) fn verify_imported(password: &str, stored: &str, format: HashFormat) -> bool {
    match format {
        HashFormat::Bcrypt => bcrypt::verify(password, stored).unwrap_or(false),
        HashFormat::DjangoPbkdf2 => Django::parse(stored).is_some_and(|d| d.verify(password)),
        HashFormat::Argon2 => false,
    }
}

/// `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`, as Django's
/// `PBKDF2PasswordHasher` writes it: the salt is used as its text, not decoded.
struct Django<'a> {
    iterations: u32,
    salt: &'a str,
    key: Vec<u8>,
}

impl<'a> Django<'a> {
    fn parse(stored: &'a str) -> Option<Self> {
        let mut parts = stored.split('$');
        let (Some("pbkdf2_sha256"), Some(iterations), Some(salt), Some(key), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let iterations: u32 = iterations.parse().ok().filter(|n| *n > 0)?;
        let key = base64::engine::general_purpose::STANDARD.decode(key).ok()?;
        (!salt.is_empty() && key.len() == 32).then_some(Self {
            iterations,
            salt,
            key,
        })
    }

    fn verify(&self, password: &str) -> bool {
        let mut derived = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
            password.as_bytes(),
            self.salt.as_bytes(),
            self.iterations,
            &mut derived,
        );
        token::equal_bytes(&derived, &self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash in Django's format, made here with few rounds (the api suite checks hashes
    /// that Python's `hashlib` made).
    fn django(password: &str, iterations: u32) -> String {
        let mut derived = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
            password.as_bytes(),
            b"garamlaut",
            iterations,
            &mut derived,
        );
        let key = base64::engine::general_purpose::STANDARD.encode(derived);
        format!("pbkdf2_sha256${iterations}$garamlaut${key}")
    }

    #[test]
    fn formats_and_their_bounds() {
        let bcrypt = bcrypt::hash("kopi tubruk", 4).unwrap();
        assert_eq!(classify(&bcrypt), Ok(HashFormat::Bcrypt));
        for prefix in ["$2a$", "$2y$"] {
            let other = format!("{prefix}{}", &bcrypt[4..]);
            assert_eq!(classify(&other), Ok(HashFormat::Bcrypt), "{other}");
            assert!(verify_imported("kopi tubruk", &other, HashFormat::Bcrypt));
        }
        let costly = format!("$2b$16${}", &bcrypt[7..]);
        assert_eq!(
            classify(&costly),
            Err(HashFormatError::TooCostly(HashFormat::Bcrypt))
        );
        assert_eq!(
            classify("$2b$10$short"),
            Err(HashFormatError::Malformed(HashFormat::Bcrypt))
        );
        assert_eq!(classify(&django("x", 1000)), Ok(HashFormat::DjangoPbkdf2));
        assert_eq!(
            classify(&django("x", PBKDF2_MAX_ITERATIONS + 1)),
            Err(HashFormatError::TooCostly(HashFormat::DjangoPbkdf2))
        );
        assert_eq!(
            classify("pbkdf2_sha256$1000$salt$bm90MzJieXRlcw=="),
            Err(HashFormatError::Malformed(HashFormat::DjangoPbkdf2))
        );
        for unknown in [
            "",
            "!",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "$1$abc$def",
            "pbkdf2_sha1$1000$salt$abc",
            "{SSHA}abc",
        ] {
            assert_eq!(
                classify(unknown),
                Err(HashFormatError::Unknown),
                "{unknown}"
            );
        }
        assert_eq!(
            classify("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$nothash!"),
            Err(HashFormatError::Malformed(HashFormat::Argon2))
        );
        assert_eq!(
            classify(
                "$argon2id$v=19$m=524288,t=2,p=1$c2FsdHNhbHRzYWx0$MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE"
            ),
            Err(HashFormatError::TooCostly(HashFormat::Argon2))
        );
    }

    #[test]
    fn django_verifies_and_refuses() {
        let stored = django("kopi tubruk", 1000);
        assert!(verify_imported(
            "kopi tubruk",
            &stored,
            HashFormat::DjangoPbkdf2
        ));
        assert!(!verify_imported(
            "kopi tubruk!",
            &stored,
            HashFormat::DjangoPbkdf2
        ));
    }
}
