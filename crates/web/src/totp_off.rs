//! DISABLE TOTP on the beranda (FAQ 4): a confirmation page, then the post.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{CurrentSession, SecureForm};
use super::page::{Chrome, redirect, render};
use spse_usecases::{AuthError, Client};

#[derive(Template)]
#[template(path = "totp_disable.html")]
struct ConfirmPage {
    c: Chrome,
    active: bool,
}

#[derive(Template)]
#[template(path = "totp_disabled.html")]
struct DonePage {
    c: Chrome,
}

pub async fn confirm_page(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let Some(session) = session else {
        return Ok(redirect("/login"));
    };
    let user = match state.auth.full_user(&session).await {
        Ok(user) => user,
        Err(AuthError::WrongStep) => return Ok(redirect("/totp/acceptor")),
        Err(e) => return Err(e.into()),
    };
    render(
        StatusCode::OK,
        &ConfirmPage {
            c: Chrome::new(&state, &context, true),
            active: user.totp_secret.is_some(),
        },
    )
}

#[derive(Deserialize)]
pub struct Empty {}

/// Takes TOTP off and ends every session of the user, this one included.
pub async fn disable(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    CurrentSession(session): CurrentSession,
    SecureForm(_): SecureForm<Empty>,
) -> Result<Response, WebError> {
    let session = session.ok_or(WebError::SessionExpired)?;
    state.auth.disable_totp(&session, &client).await?;
    let mut response = render(
        StatusCode::OK,
        &DonePage {
            c: Chrome::new(&state, &context, false),
        },
    )?
    .into_response();
    let cookies = &state.web.cookies;
    response
        .headers_mut()
        .insert(SET_COOKIE, cookies.set(&cookies.session, "", Some(0)));
    Ok(response)
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/totp/disable", get(confirm_page).post(disable))
}
