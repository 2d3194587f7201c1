//! The extractors that hand out the use cases' proofs: [`SignedIn`] for the pages of a
//! signed-in account, [`Staff`] for the helpdesk console. A handler that takes one
//! cannot run for anyone else, and none re-checks by hand.

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use spse_usecases::{AuthError, EndedWhy, SignedIn, Staff};

use super::AppState;
use super::context::read_cookie;
use super::error::WebError;
use super::form::CurrentSession;
use super::page::redirect;

/// Why a request is not signed in. A page (GET) sends the browser to where its login
/// stands: the start without a session, its TOTP step with a half-open one. A form post
/// gets the error page: what it meant to change is not changed.
pub enum NotSignedIn {
    Redirect(&'static str),
    Error(WebError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            Self::Redirect(to) => redirect(to),
            Self::Error(e) => e.into_response(),
        }
    }
}

impl From<WebError> for NotSignedIn {
    fn from(e: WebError) -> Self {
        Self::Error(e)
    }
}

/// The login page that says why a session ended.
fn ended_path(why: &EndedWhy) -> &'static str {
    match why {
        EndedWhy::Idle => "/login?ended=idle",
        EndedWhy::Limit => "/login?ended=limit",
        EndedWhy::Attempt { .. } => "/login?ended=attempt",
        EndedWhy::Elsewhere => "/login?ended=elsewhere",
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let page = parts.method == Method::GET || parts.method == Method::HEAD;
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        let Some(session) = session else {
            // A cookie that names no live session: the login page says why it ended.
            let cookie = read_cookie(&parts.headers, &state.web.cookies.session);
            return Err(match cookie {
                _ if !page => NotSignedIn::Error(WebError::SessionExpired),
                None => NotSignedIn::Redirect("/login"),
                Some(token) => {
                    let why = state.auth.why_ended(&token).await.map_err(WebError::from)?;
                    NotSignedIn::Redirect(ended_path(&why))
                }
            });
        };
        match state.auth.signed_in(session).await {
            Ok(signed_in) => Ok(signed_in),
            // A half-open session reaches nothing but its TOTP step.
            Err(AuthError::WrongStep) if page => Err(NotSignedIn::Redirect("/totp/acceptor")),
            Err(e) => Err(NotSignedIn::Error(e.into())),
        }
    }
}

/// A signed-in helpdesk or admin account. No session, or one that has not passed TOTP:
/// 401 (log in); a signed-in account without the role: 403.
impl FromRequestParts<AppState> for Staff {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        let session = session.ok_or(WebError::SessionExpired)?;
        let signed_in = state.auth.signed_in(session).await?;
        Ok(state.auth.staff(&signed_in)?)
    }
}
