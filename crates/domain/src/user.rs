//! Who a user is: the ID typed at login, the kind of account, the address on file.

use std::fmt;

/// Most characters a user ID may have.
pub const USER_ID_MAX: usize = 64;

/// A user ID as SPSE shows it (`PPK1`). Matching is case-insensitive through [`UserId::key`].
///
/// Only ASCII letters, digits and `.`, `_`, `-` are allowed, so lookalike Unicode
/// (Cyrillic `а`, full-width letters) can never name a second account that reads the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UserIdError {
    #[error("empty")]
    Empty,
    #[error("longer than {USER_ID_MAX} characters")]
    TooLong,
    #[error("only letters A-Z, digits and . _ - are allowed")]
    BadCharacter,
}

impl UserId {
    pub fn parse(text: &str) -> Result<Self, UserIdError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UserIdError::Empty);
        }
        if text.len() > USER_ID_MAX {
            return Err(UserIdError::TooLong);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(UserIdError::BadCharacter);
        }
        Ok(Self(text.to_string()))
    }

    /// The form used for lookups and uniqueness.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two doors of the login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// Vendors (companies that bid), "rekanan" in SPSE's URLs.
    Penyedia,
    /// Government staff: PPK, Pokja, admins.
    NonPenyedia,
}

impl UserKind {
    /// The stored and routed name (`penyedia`, `non-penyedia`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Penyedia => "penyedia",
            Self::NonPenyedia => "non-penyedia",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "penyedia" => Some(Self::Penyedia),
            "non-penyedia" | "nonpenyedia" | "non_penyedia" => Some(Self::NonPenyedia),
            _ => None,
        }
    }
}

/// What a staff account may do beyond logging in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Helpdesk,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Helpdesk => "helpdesk",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Self::User),
            "helpdesk" => Some(Self::Helpdesk),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// An email address on file. Checked for shape only; delivery proves the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (local, domain) = text.rsplit_once('@')?;
        let ok = text.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && text
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '<' && c != '>' && c != ',')
            && !local.contains('@');
        ok.then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or company's name as shown on pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let count = text.chars().count();
        ((1..=100).contains(&count) && !text.chars().any(char::is_control))
            .then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_match_case_insensitively() {
        assert_eq!(
            UserId::parse("PPK30").unwrap().key(),
            UserId::parse(" pp k30".replace(' ', "").as_str())
                .unwrap()
                .key()
        );
        assert_eq!(UserId::parse(" PPK1 ").unwrap().as_str(), "PPK1");
    }

    #[test]
    fn user_ids_refuse_what_could_mislead() {
        assert_eq!(UserId::parse(""), Err(UserIdError::Empty));
        assert_eq!(
            UserId::parse(&"a".repeat(10_000)),
            Err(UserIdError::TooLong)
        );
        assert_eq!(UserId::parse("ppk\0"), Err(UserIdError::BadCharacter));
        assert_eq!(
            UserId::parse("рpk1"),
            Err(UserIdError::BadCharacter),
            "Cyrillic er"
        );
        assert_eq!(
            UserId::parse("ＰＰＫ１"),
            Err(UserIdError::BadCharacter),
            "full width"
        );
    }

    #[test]
    fn emails_and_names() {
        assert!(Email::parse("ppk1@lpse.go.id").is_some());
        for bad in [
            "",
            "a",
            "a@b",
            "@b.id",
            "a b@c.id",
            "a@b.id,c@d.id",
            "<a@b.id>",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
        assert!(DisplayName::parse("Budi Santoso").is_some());
        assert!(DisplayName::parse("a\nb").is_none());
        assert!(DisplayName::parse("").is_none());
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [UserKind::Penyedia, UserKind::NonPenyedia] {
            assert_eq!(UserKind::parse(kind.as_str()), Some(kind));
        }
    }
}
