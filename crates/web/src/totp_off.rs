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
use super::form::SecureForm;
use super::page::{Chrome, render};
use super::refusal::Refusal;
use spse_usecases::{Client, SignedIn};

#[derive(Template)]
#[template(path = "totp_disable.html")]
struct ConfirmPage {
    c: Chrome,
    active: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "totp_disabled.html")]
struct DonePage {
    c: Chrome,
}

pub async fn confirm_page(
    State(state): State<AppState>,
    context: Context,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    render(
        StatusCode::OK,
        &ConfirmPage {
            c: Chrome::new(&state, &context, true),
            active: signed_in.account().totp_active,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    code: String,
}

/// With a fresh code, takes TOTP off and ends every session of the user, this one
/// included; without one, the confirmation again with the refusal.
pub async fn disable(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    signed_in: SignedIn,
    SecureForm(form): SecureForm<DisableForm>,
) -> Result<Response, WebError> {
    if let Err(e) = state
        .auth
        .disable_totp(&signed_in, &form.code, &client)
        .await
    {
        let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
        return render(
            refusal.status,
            &ConfirmPage {
                c: Chrome::new(&state, &context, true),
                active: signed_in.account().totp_active,
                error: Some(refusal.message),
            },
        );
    }
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
