//! Who may use the helpdesk pages: a full session of a helpdesk or admin account.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::error::WebError;
use super::form::CurrentSession;
use crate::store::UserRecord;

/// A signed-in helpdesk or admin user. Others get 404: the console is not advertised.
pub struct Staff(pub UserRecord);

impl FromRequestParts<AppState> for Staff {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        let session = session.ok_or(WebError::NotFound)?;
        match state.auth.staff_user(&session).await {
            Ok(user) => Ok(Self(user)),
            Err(crate::auth::AuthError::WrongStep) => Err(WebError::NotFound),
            Err(e) => Err(e.into()),
        }
    }
}
