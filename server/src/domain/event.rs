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
        }
    }
}
