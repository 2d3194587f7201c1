//! What the access log records.

/// One kind of entry in the access log. Stored by name, never by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    LoginSucceeded,
    PasswordWrong,
    PasswordLocked,
    CodeWrong,
    CodeReused,
    CodeLocked,
    TotpActivated,
    Logout,
    PasswordChanged,
    /// The user ended one or more of their sessions from the access log.
    SessionsEnded,
    /// The user said a logged login was not theirs.
    NotMe,
}

/// How an entry reads in the "result" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Neither: a lock, a notice, an action.
    Notice,
}

impl EventKind {
    pub const ALL: &[Self] = &[
        Self::LoginSucceeded,
        Self::PasswordWrong,
        Self::PasswordLocked,
        Self::CodeWrong,
        Self::CodeReused,
        Self::CodeLocked,
        Self::TotpActivated,
        Self::Logout,
        Self::PasswordChanged,
        Self::SessionsEnded,
        Self::NotMe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_ok",
            Self::PasswordWrong => "password_wrong",
            Self::PasswordLocked => "password_locked",
            Self::CodeWrong => "code_wrong",
            Self::CodeReused => "code_reused",
            Self::CodeLocked => "code_locked",
            Self::TotpActivated => "totp_activated",
            Self::Logout => "logout",
            Self::PasswordChanged => "password_changed",
            Self::SessionsEnded => "sessions_ended",
            Self::NotMe => "not_me",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == text)
    }

    pub fn outcome(self) -> Outcome {
        match self {
            Self::LoginSucceeded | Self::TotpActivated | Self::PasswordChanged | Self::Logout => {
                Outcome::Success
            }
            Self::PasswordWrong | Self::CodeWrong | Self::CodeReused => Outcome::Failure,
            Self::PasswordLocked | Self::CodeLocked | Self::SessionsEnded | Self::NotMe => {
                Outcome::Notice
            }
        }
    }

    /// Entries a user may answer with "not me": attempts to log in to their account.
    pub fn is_login_attempt(self) -> bool {
        matches!(
            self,
            Self::LoginSucceeded
                | Self::PasswordWrong
                | Self::PasswordLocked
                | Self::CodeWrong
                | Self::CodeReused
                | Self::CodeLocked
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
            assert!(seen.insert(kind.as_str()));
        }
        assert_eq!(EventKind::parse("nonsense"), None);
    }
}
