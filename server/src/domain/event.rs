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
}

impl EventKind {
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
            Self::ResetRequested => "reset_requested",
            Self::TotpReset => "totp_reset",
            Self::TotpDisabled => "totp_disabled",
            Self::HelpdeskTotpReset => "helpdesk_totp_reset",
            Self::HelpdeskUnlock => "helpdesk_unlock",
            Self::HelpdeskDisable => "helpdesk_disable",
            Self::HelpdeskEnable => "helpdesk_enable",
        }
    }
}
