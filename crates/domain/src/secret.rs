//! Values that must never reach a log or a panic message. `Debug` says only that one is
//! there; the value is read with [`Secret::expose`], which is easy to find in review.

use std::fmt;

/// A password, a password hash, a sealed TOTP secret, a one-time code.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_exposed(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The SHA-256 (hex) of a session id: what the database keys a session by. Knowing it
/// does not open the session, but it names one, so `Debug` shows only its start.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SessionHash(String);

impl SessionHash {
    /// The hash of a raw session id.
    pub fn of(raw_id: &str) -> Self {
        Self(crate::token::hash(raw_id))
    }

    /// A hash as stored.
    pub fn from_stored(hash: String) -> Self {
        Self(hash)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start: String = self.0.chars().take(8).collect();
        write!(f, "SessionHash({start}..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let secret = Secret::new("$argon2id$v=19$m=19456".to_string());
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        let hash = SessionHash::of("raw session id");
        let shown = format!("{hash:?}");
        assert!(!shown.contains(hash.as_str()), "{shown}");
    }
}
