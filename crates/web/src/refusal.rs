//! The other half of the one table from a use case's answer to a response: refusals a
//! form shows in place (the form again, its message, what was typed echoed back), where
//! [`WebError`] is a page of its own. Handlers take the status from here and never pick
//! one themselves; anything that is not a refusal becomes its [`WebError`].

use axum::http::StatusCode;
use spse_domain::password::PasswordError;
use spse_domain::zone::Zone;
use spse_i18n::Texts;
use spse_usecases::{ApprovalNotGiven, AuthError, PasswordChangeError, UserError};

use super::error::WebError;

/// A refusal in the request's language, with the status the form is sent back with.
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// A refused login step, code or reset request.
    pub fn of(e: AuthError, t: Texts, zone: &Zone) -> Result<Self, WebError> {
        Ok(match e {
            AuthError::InvalidUserId => {
                Self::new(StatusCode::BAD_REQUEST, t.get("error_invalid_user_id"))
            }
            // Unknown user, wrong door, wrong password, disabled or locked: one answer.
            AuthError::LoginFailed => {
                Self::new(StatusCode::UNAUTHORIZED, t.get("error_login_failed"))
            }
            AuthError::CodeRefused => {
                Self::new(StatusCode::UNAUTHORIZED, t.get("error_code_refused"))
            }
            AuthError::CodeLocked { until } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                t.fill("error_code_locked", &[("time", &zone.minutes(until))]),
            ),
            AuthError::ActivationTicketRequired => Self::new(
                StatusCode::FORBIDDEN,
                t.get("error_activation_ticket_required"),
            ),
            AuthError::CaptchaWrong => {
                Self::new(StatusCode::BAD_REQUEST, t.get("error_captcha_wrong"))
            }
            AuthError::Approval(why) => match why {
                ApprovalNotGiven::Waiting => {
                    Self::new(StatusCode::CONFLICT, t.get("error_approval_waiting"))
                }
                ApprovalNotGiven::Refused => {
                    Self::new(StatusCode::FORBIDDEN, t.get("error_approval_refused"))
                }
                ApprovalNotGiven::Unavailable => {
                    Self::new(StatusCode::CONFLICT, t.get("error_approval_unavailable"))
                }
            },
            other => return Err(other.into()),
        })
    }

    /// A refused password change.
    pub fn of_password_change(
        e: PasswordChangeError,
        t: Texts,
        zone: &Zone,
    ) -> Result<Self, WebError> {
        Ok(match e {
            PasswordChangeError::Rules(reason) => {
                Self::new(StatusCode::BAD_REQUEST, rule_words(t, &reason))
            }
            PasswordChangeError::Mismatch => {
                Self::new(StatusCode::BAD_REQUEST, t.get("error_password_mismatch"))
            }
            PasswordChangeError::CurrentWrong => Self::new(
                StatusCode::UNAUTHORIZED,
                t.get("error_current_password_wrong"),
            ),
            PasswordChangeError::Locked { until } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                t.fill("error_password_locked", &[("time", &zone.minutes(until))]),
            ),
            // A set-password link's TOTP code: refused in place like one at login.
            PasswordChangeError::Auth(inner) => return Self::of(inner, t, zone),
        })
    }

    /// A user ID staff looked for that names no account.
    pub fn of_user_search(e: UserError, t: Texts) -> Result<Self, WebError> {
        match e {
            UserError::NotFound | UserError::UserId(_) => {
                Ok(Self::new(StatusCode::NOT_FOUND, t.get("admin_not_found")))
            }
            other => Err(other.into()),
        }
    }

    /// A login the owner refused in the authenticator: the attempt is over.
    pub fn login_refused_in_app(t: Texts) -> Self {
        Self::new(StatusCode::FORBIDDEN, t.get("acceptor_refused"))
    }
}

/// Why a new password was refused, in words.
pub fn rule_words(t: Texts, reason: &PasswordError) -> &'static str {
    match reason {
        PasswordError::TooShort => t.get("password_too_short"),
        PasswordError::TooLong => t.get("password_too_long"),
        PasswordError::Common => t.get("password_common"),
        PasswordError::ContainsUserId => t.get("password_contains_user_id"),
    }
}

impl From<UserError> for WebError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::NotFound | UserError::UserId(_) => Self::NotFound,
            UserError::Auth(inner) => inner.into(),
            _ => Self::BadRequest,
        }
    }
}
