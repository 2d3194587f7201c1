//! How far a browser has come in the login, and how long that stays valid.

/// The steps of a login. Each step up gets a new session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A user ID was entered; nothing is proven yet.
    Identified,
    /// The password was right; only the TOTP pages are reachable.
    PasswordOk,
    /// Both factors (or the password where TOTP is not required): the beranda.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identified => "identified",
            Self::PasswordOk => "password",
            Self::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "identified" => Some(Self::Identified),
            "password" => Some(Self::PasswordOk),
            "full" => Some(Self::Full),
            _ => None,
        }
    }
}

/// How a full session's login was proven, as RFC 8176 authentication method references:
/// the password alone (where TOTP is not required), the password and a TOTP code, or the
/// password and an approval signed by the device key in the app.
pub const AMR_PASSWORD: &str = "pwd";
pub const AMR_CODE: &str = "pwd otp mfa";
pub const AMR_APP: &str = "pwd swk mfa";

/// Idle and absolute limits of a session (OWASP ASVS 5.0 7.3).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub idle_secs: i64,
    pub absolute_secs: i64,
    /// Absolute limit of the steps before `Full`.
    pub half_open_secs: i64,
}

impl Timeouts {
    /// When a session created now at `stage` must end at the latest.
    pub fn expires_at(&self, stage: Stage, now: i64) -> i64 {
        match stage {
            Stage::Full => now + self.absolute_secs,
            _ => now + self.half_open_secs,
        }
    }

    /// Whether a session last seen at `last_seen` and ending at `expires_at` is still live.
    pub fn is_live(&self, last_seen: i64, expires_at: i64, now: i64) -> bool {
        now < expires_at && now - last_seen < self.idle_secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_boundaries() {
        let t = Timeouts {
            idle_secs: 1800,
            absolute_secs: 43_200,
            half_open_secs: 900,
        };
        let start = 1_000_000;
        let end = t.expires_at(Stage::Full, start);
        assert!(t.is_live(start, end, start + 1799));
        assert!(!t.is_live(start, end, start + 1800));
        assert!(t.is_live(end - 1, end, end - 1));
        assert!(!t.is_live(end - 1, end, end));
        assert_eq!(t.expires_at(Stage::PasswordOk, start), start + 900);
    }
}
