//! The web layer's error: each variant is one status and one page. Internal causes are
//! logged where they are converted; users get a fixed message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use spse_usecases::AuthError;
use spse_usecases::oidc::OidcError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 400: malformed form, duplicate fields.
    #[error("bad request")]
    BadRequest,
    /// 401: no session, an expired one, or one at another step.
    #[error("session expired")]
    SessionExpired,
    /// 403: cross-site post or CSRF token mismatch.
    #[error("forbidden")]
    Forbidden,
    /// 404.
    #[error("not found")]
    NotFound,
    /// 409: after a "not me", the login must choose a new password before its code.
    #[error("password change required")]
    PasswordChangeRequired,
    /// 410: the pending activation ran out.
    #[error("activation expired")]
    ActivationExpired,
    /// 410: a reset link that is used, expired, tampered with or not this user's.
    #[error("reset link not valid")]
    ResetLinkInvalid,
    /// 410: a set-password link that is used, expired, altered or not this user's.
    #[error("password link not valid")]
    PasswordLinkInvalid,
    /// 410: a mailed activation link that is used, expired or altered.
    #[error("activation link not valid")]
    TicketInvalid,
    /// 429: too many reset requests from this IP or for this account.
    #[error("too many requests")]
    TooManyRequests,
    /// 429: more event streams open than one login attempt or one address may hold.
    #[error("too many streams")]
    TooManyStreams,
    /// 403: a signed-in user without a staff role at the helpdesk console.
    #[error("not staff")]
    NotStaff,
    /// 413: a body or field over its limit.
    #[error("too large")]
    TooLarge,
    /// 503: the database (or another dependency) is down: fail closed.
    #[error("unavailable")]
    Unavailable,
    /// 400: an authorization or logout request naming an unknown client or a redirect
    /// URI not registered for it: a page, never a redirect (RFC 6749 4.1.2.1).
    #[error("client or redirect URI not registered")]
    UnregisteredClient,
    /// 500.
    #[error("internal error")]
    Internal,
}

/// Which message page the browser-context middleware renders for an error response.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub message_key: &'static str,
    pub link: &'static str,
    pub link_key: &'static str,
}

impl ErrorPage {
    fn new(message_key: &'static str, link: &'static str, link_key: &'static str) -> Self {
        Self {
            message_key,
            link,
            link_key,
        }
    }

    pub fn too_large() -> Self {
        Self::new("error_too_large", "/", "link_home")
    }
}

impl WebError {
    fn status_and_page(&self) -> (StatusCode, ErrorPage) {
        match self {
            Self::BadRequest => (
                StatusCode::BAD_REQUEST,
                ErrorPage::new("error_bad_request", "/", "link_home"),
            ),
            Self::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                ErrorPage::new("error_session_expired", "/login", "link_login"),
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorPage::new("error_forbidden", "/", "link_home"),
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorPage::new("error_not_found", "/", "link_home"),
            ),
            Self::PasswordChangeRequired => (
                StatusCode::CONFLICT,
                ErrorPage::new(
                    "error_password_change_required",
                    "/ganti-password",
                    "menu_change_password",
                ),
            ),
            Self::ActivationExpired => (
                StatusCode::GONE,
                ErrorPage::new("error_activation_expired", "/login", "link_login"),
            ),
            Self::ResetLinkInvalid => (
                StatusCode::GONE,
                ErrorPage::new(
                    "error_reset_link_invalid",
                    "/reset-totp",
                    "link_reset_again",
                ),
            ),
            Self::PasswordLinkInvalid => (
                StatusCode::GONE,
                ErrorPage::new(
                    "error_password_link_invalid",
                    "/lupa-password",
                    "link_forgot_again",
                ),
            ),
            Self::TicketInvalid => (
                StatusCode::GONE,
                ErrorPage::new("error_ticket_invalid", "/login", "link_login"),
            ),
            Self::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorPage::new("error_too_many_resets", "/", "link_home"),
            ),
            Self::TooManyStreams => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorPage::new("error_too_many_streams", "/login", "link_login"),
            ),
            Self::NotStaff => (
                StatusCode::FORBIDDEN,
                ErrorPage::new("error_not_staff", "/beranda", "link_beranda"),
            ),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorPage::too_large()),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorPage::new("error_unavailable", "/", "link_home"),
            ),
            Self::UnregisteredClient => (
                StatusCode::BAD_REQUEST,
                ErrorPage::new("error_oidc_client", "/", "link_home"),
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorPage::new("error_unavailable", "/", "link_home"),
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, page) = self.status_and_page();
        let mut response = status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

impl From<AuthError> for WebError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::WrongStep => Self::SessionExpired,
            AuthError::PasswordChangeRequired => Self::PasswordChangeRequired,
            AuthError::NotFound => Self::NotFound,
            AuthError::ResetLinkInvalid => Self::ResetLinkInvalid,
            AuthError::PasswordLinkInvalid => Self::PasswordLinkInvalid,
            AuthError::TicketInvalid => Self::TicketInvalid,
            AuthError::ActivationTicketRequired => Self::Forbidden,
            AuthError::TooManyRequests => Self::TooManyRequests,
            AuthError::NotAllowed => Self::NotStaff,
            AuthError::CaptchaWrong | AuthError::Approval(_) => Self::BadRequest,
            AuthError::ActivationExpired => Self::ActivationExpired,
            AuthError::Api(_)
            | AuthError::LoginFailed
            | AuthError::InvalidUserId
            | AuthError::CodeRefused
            | AuthError::CodeLocked { .. } => Self::BadRequest,
            AuthError::Store(cause) => {
                tracing::error!(error = %cause, "database failure; request failed closed");
                Self::Unavailable
            }
            AuthError::Hash(cause) => {
                tracing::error!(error = %cause, "password hashing failure");
                Self::Internal
            }
            AuthError::Secrets(cause) => {
                tracing::error!(error = %cause, "secret could not be opened");
                Self::Internal
            }
        }
    }
}

/// The status of an OAuth error answered as JSON (RFC 6749 5.2, RFC 6750 3.1).
pub fn oauth_status(e: &OidcError) -> StatusCode {
    match e {
        OidcError::InvalidClient | OidcError::InvalidToken => StatusCode::UNAUTHORIZED,
        OidcError::Signing(_) => StatusCode::INTERNAL_SERVER_ERROR,
        OidcError::Auth(AuthError::Store(_)) => StatusCode::SERVICE_UNAVAILABLE,
        OidcError::Auth(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<OidcError> for WebError {
    /// For the requests answered with a page (authorization, logout).
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::UnknownClient | OidcError::UnregisteredRedirectUri => {
                Self::UnregisteredClient
            }
            OidcError::Auth(e) => e.into(),
            OidcError::Signing(cause) => {
                tracing::error!(error = %cause, "signing failed");
                Self::Internal
            }
            _ => Self::BadRequest,
        }
    }
}
