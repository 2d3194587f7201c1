//! The one place that decides who is staff: a full (password + TOTP) session of an
//! account with the helpdesk or admin role. Every `/admin` handler takes [`StaffSession`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::error::WebError;
use super::form::CurrentSession;
use spse_store::UserRecord;
use spse_usecases::Staff;

/// A signed-in helpdesk or admin account. No session: 401 (log in); a session of
/// anyone else, or one that has not passed TOTP: 403 or 401.
pub struct StaffSession {
    pub user: UserRecord,
}

impl StaffSession {
    /// The name actions are logged and mailed under.
    pub fn staff(&self) -> Staff {
        Staff {
            name: self.user.user_id.clone(),
            role: self.user.role,
        }
    }
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        let session = session.ok_or(WebError::SessionExpired)?;
        let user = state.auth.staff_user(&session).await?;
        Ok(Self { user })
    }
}
