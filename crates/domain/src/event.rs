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
    ApprovalGranted,
    ApprovalDenied,
    ApprovalNotMe,
    ApprovalWrongNumber,
    Logout,
    PasswordChanged,
    /// The user ended one or more of their sessions from the access log.
    SessionsEnded,
    /// The user said a logged login was not theirs.
    NotMe,
    /// A reset form was sent; the detail says whether it matched an account.
    ResetRequested,
    /// TOTP taken off through an emailed link.
    TotpReset,
    /// TOTP taken off by the user from the beranda.
    TotpDisabled,
    HelpdeskTotpReset,
    HelpdeskUnlock,
    HelpdeskDisable,
    HelpdeskEnable,
    /// After a reset, a right password without an activation ticket: refused, and a
    /// fresh activation link mailed to the owner.
    ActivationRefused,
    /// A Lupa Password form was sent; the detail says whether it matched an account.
    PasswordResetRequested,
    /// A set-password link was mailed; the detail says why (and which staff member).
    PasswordLinkSent,
    /// A password was set through a mailed link.
    PasswordReset,
    /// SCIM provisioning (the procurement system) created the account.
    ScimCreated,
    /// SCIM changed the account's name, email, kind or externalId.
    ScimUpdated,
    /// SCIM set the account inactive: it is disabled and its sessions ended.
    ScimDisabled,
    ScimEnabled,
    /// SCIM deleted the account: it stays, disabled, with its log.
    ScimDeleted,
    /// A SCIM bearer token was added or revoked (no account: the detail names it).
    ScimTokenAdded,
    ScimTokenRevoked,
    /// `user import` made the account, or changed its name, email or kind; the detail
    /// says which and names the staff member.
    AccountImported,
}

/// An access-log entry's kind as stored: by name, kept exactly as written so the hash
/// chain verifies it; [`EventName::kind`] reads it as an [`EventKind`] (an unknown name
/// is an entry written by a newer version, or an edited one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventName(String);

impl EventName {
    pub fn from_stored(name: String) -> Self {
        Self(name)
    }

    pub fn kind(&self) -> Option<EventKind> {
        EventKind::parse(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<EventKind> for EventName {
    fn from(kind: EventKind) -> Self {
        Self(kind.as_str().to_string())
    }
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
        Self::ApprovalGranted,
        Self::ApprovalDenied,
        Self::ApprovalNotMe,
        Self::ApprovalWrongNumber,
        Self::Logout,
        Self::PasswordChanged,
        Self::SessionsEnded,
        Self::NotMe,
        Self::ResetRequested,
        Self::TotpReset,
        Self::TotpDisabled,
        Self::HelpdeskTotpReset,
        Self::HelpdeskUnlock,
        Self::HelpdeskDisable,
        Self::HelpdeskEnable,
        Self::ActivationRefused,
        Self::PasswordResetRequested,
        Self::PasswordLinkSent,
        Self::PasswordReset,
        Self::ScimCreated,
        Self::ScimUpdated,
        Self::ScimDisabled,
        Self::ScimEnabled,
        Self::ScimDeleted,
        Self::ScimTokenAdded,
        Self::ScimTokenRevoked,
        Self::AccountImported,
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
            Self::ApprovalGranted => "approval_ok",
            Self::ApprovalDenied => "approval_denied",
            Self::ApprovalNotMe => "approval_not_me",
            Self::ApprovalWrongNumber => "approval_wrong_number",
            Self::Logout => "logout",
            Self::PasswordChanged => "password_changed",
            Self::SessionsEnded => "sessions_ended",
            Self::NotMe => "not_me",
            Self::ResetRequested => "reset_requested",
            Self::TotpReset => "totp_reset",
            Self::TotpDisabled => "totp_disabled",
            Self::HelpdeskTotpReset => "helpdesk_totp_reset",
            Self::HelpdeskUnlock => "helpdesk_unlock",
            Self::HelpdeskDisable => "helpdesk_disable",
            Self::HelpdeskEnable => "helpdesk_enable",
            Self::ActivationRefused => "activation_refused",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordLinkSent => "password_link_sent",
            Self::PasswordReset => "password_reset",
            Self::ScimCreated => "scim_created",
            Self::ScimUpdated => "scim_updated",
            Self::ScimDisabled => "scim_disabled",
            Self::ScimEnabled => "scim_enabled",
            Self::ScimDeleted => "scim_deleted",
            Self::ScimTokenAdded => "scim_token_added",
            Self::ScimTokenRevoked => "scim_token_revoked",
            Self::AccountImported => "account_imported",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == text)
    }

    pub fn outcome(self) -> Outcome {
        match self {
            Self::LoginSucceeded
            | Self::TotpActivated
            | Self::ApprovalGranted
            | Self::PasswordChanged
            | Self::PasswordReset
            | Self::Logout => Outcome::Success,
            Self::PasswordWrong
            | Self::CodeWrong
            | Self::CodeReused
            | Self::ApprovalDenied
            | Self::ApprovalNotMe
            | Self::ApprovalWrongNumber
            | Self::ActivationRefused => Outcome::Failure,
            Self::PasswordLocked
            | Self::CodeLocked
            | Self::SessionsEnded
            | Self::NotMe
            | Self::ResetRequested
            | Self::PasswordResetRequested
            | Self::PasswordLinkSent
            | Self::AccountImported
            | Self::HelpdeskUnlock
            | Self::HelpdeskDisable
            | Self::HelpdeskEnable
            | Self::ScimCreated
            | Self::ScimUpdated
            | Self::ScimDisabled
            | Self::ScimEnabled
            | Self::ScimDeleted
            | Self::ScimTokenAdded
            | Self::ScimTokenRevoked => Outcome::Notice,
            Self::TotpReset | Self::TotpDisabled | Self::HelpdeskTotpReset => Outcome::Success,
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
                | Self::ApprovalGranted
                | Self::ApprovalDenied
                | Self::ApprovalNotMe
                | Self::ApprovalWrongNumber
                | Self::ActivationRefused
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        // A kind missing from ALL would have no words on the access-log page.
        for kind in EventKind::ALL {
            match kind {
                EventKind::LoginSucceeded
                | EventKind::PasswordWrong
                | EventKind::PasswordLocked
                | EventKind::CodeWrong
                | EventKind::CodeReused
                | EventKind::CodeLocked
                | EventKind::TotpActivated
                | EventKind::ApprovalGranted
                | EventKind::ApprovalDenied
                | EventKind::ApprovalNotMe
                | EventKind::ApprovalWrongNumber
                | EventKind::Logout
                | EventKind::PasswordChanged
                | EventKind::SessionsEnded
                | EventKind::NotMe
                | EventKind::ResetRequested
                | EventKind::TotpReset
                | EventKind::TotpDisabled
                | EventKind::HelpdeskTotpReset
                | EventKind::HelpdeskUnlock
                | EventKind::HelpdeskDisable
                | EventKind::HelpdeskEnable
                | EventKind::ActivationRefused
                | EventKind::PasswordResetRequested
                | EventKind::PasswordLinkSent
                | EventKind::PasswordReset
                | EventKind::ScimCreated
                | EventKind::ScimUpdated
                | EventKind::ScimDisabled
                | EventKind::ScimEnabled
                | EventKind::ScimDeleted
                | EventKind::ScimTokenAdded
                | EventKind::ScimTokenRevoked
                | EventKind::AccountImported => {}
            }
        }
        assert_eq!(EventKind::ALL.len(), 34, "every kind is in ALL");
        let mut seen = std::collections::HashSet::new();
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
            assert!(seen.insert(kind.as_str()));
        }
        assert_eq!(EventKind::parse("nonsense"), None);
    }
}
