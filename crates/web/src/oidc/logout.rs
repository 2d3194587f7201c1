//! End session (OpenID Connect RP-Initiated Logout 1.0). GET asks the user to confirm
//! (a GET changes nothing, and a logout a third-party page can trigger is a nuisance);
//! the confirmed POST logs out here, which ends every module's tokens of the session and
//! tells the modules, and then returns to the module if it named a registered URI.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::AppState;
use super::super::context::Context;
use super::super::error::WebError;
use super::super::form::{CurrentSession, SecureForm, SessionCookie};
use super::super::page::{Chrome, redirect_with_session, render};
use spse_domain::session::Stage;
use spse_usecases::Client;
use spse_usecases::oidc::backchannel::EndSessionParams;

#[derive(Deserialize, Default, Clone)]
pub struct LogoutQuery {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

impl LogoutQuery {
    fn params(&self) -> EndSessionParams {
        EndSessionParams {
            id_token_hint: self.id_token_hint.clone(),
            client_id: self.client_id.clone(),
            post_logout_redirect_uri: self.post_logout_redirect_uri.clone(),
            state: self.state.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "oidc_logout.html")]
struct ConfirmPage {
    c: Chrome,
    id_token_hint: String,
    client_id: String,
    post_logout_redirect_uri: String,
    state: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
    Query(query): Query<LogoutQuery>,
) -> Result<Response, WebError> {
    let target = state.auth.end_session_target(&query.params()).await?;
    let signed_in = session.is_some_and(|s| s.stage() == Stage::Full);
    if !signed_in {
        // Nothing to end here: straight back to the module (or our home).
        let location = target.map_or_else(|| "/".to_string(), |url| url.to_string());
        return Ok(super::super::page::redirect_to(&location));
    }
    let mut response = render(
        StatusCode::OK,
        &ConfirmPage {
            c: Chrome::new(&state, &context, true),
            id_token_hint: query.id_token_hint.unwrap_or_default(),
            client_id: query.client_id.unwrap_or_default(),
            post_logout_redirect_uri: query.post_logout_redirect_uri.unwrap_or_default(),
            state: query.state.unwrap_or_default(),
        },
    )?;
    // The confirmed post ends in a redirect to the module, which `form-action` governs.
    if let Some(origin) = target.map(|url| url.origin().ascii_serialization()) {
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self' {origin}; frame-ancestors 'none'; \
             base-uri 'none'; object-src 'none'"
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LogoutForm {
    id_token_hint: String,
    client_id: String,
    post_logout_redirect_uri: String,
    state: String,
}

fn given(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

pub async fn end(
    State(state): State<AppState>,
    client: Client,
    SessionCookie(token): SessionCookie,
    SecureForm(form): SecureForm<LogoutForm>,
) -> Result<Response, WebError> {
    let params = EndSessionParams {
        id_token_hint: given(form.id_token_hint),
        client_id: given(form.client_id),
        post_logout_redirect_uri: given(form.post_logout_redirect_uri),
        state: given(form.state),
    };
    let target = state.auth.end_session_target(&params).await?;
    if let Some(token) = token {
        state.auth.logout(&token, &client).await;
    }
    let location = target.map_or_else(|| "/?ended=logout".to_string(), |url| url.to_string());
    Ok(redirect_with_session(&state, &location, None))
}
