//! DISABLE TOTP on the beranda (FAQ 4): a confirmation page, then the post, confirmed
//! by a code typed here or by an approval asked for in SPSE Authenticator.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{Empty, SecureForm};
use super::page::{Chrome, render};
use super::refusal::Refusal;
use spse_usecases::{AskedApproval, Client, DisableProof, SignedIn};

#[derive(Template)]
#[template(path = "totp_disable.html")]
struct ConfirmPage {
    c: Chrome,
    active: bool,
    /// An SPSE Authenticator is bound: the approval is offered beside the code.
    can_approve: bool,
    /// The number of the approval waiting in the app, and until when, in words.
    asked: Option<(i64, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "totp_disabled.html")]
struct DonePage {
    c: Chrome,
}

async fn confirm(
    state: &AppState,
    context: &Context,
    signed_in: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let asked = state.auth.disable_approval_waiting(signed_in).await?;
    let asked = asked.map(|AskedApproval { number, expires_at }| {
        let time = state.web.zone.minutes(expires_at);
        (
            number,
            context
                .t()
                .fill("disable_approval_expires", &[("time", &time)]),
        )
    });
    render(
        status,
        &ConfirmPage {
            c: Chrome::new(state, context, true),
            active: signed_in.account().totp_active,
            can_approve: state.auth.can_approve_disable(signed_in).await?,
            asked,
            error,
        },
    )
}

pub async fn confirm_page(
    State(state): State<AppState>,
    context: Context,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    confirm(&state, &context, &signed_in, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    code: String,
    /// `approval`: confirmed in the app instead of by a code.
    #[serde(default)]
    by: String,
}

/// With a fresh second factor, takes TOTP off and ends every session of the user, this
/// one included; without one, the confirmation again with the refusal.
pub async fn disable(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    signed_in: SignedIn,
    SecureForm(form): SecureForm<DisableForm>,
) -> Result<Response, WebError> {
    let proof = match form.by.as_str() {
        "approval" => DisableProof::Approval,
        _ => DisableProof::Code(&form.code),
    };
    if let Err(e) = state.auth.disable_totp(&signed_in, proof, &client).await {
        let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
        return confirm(
            &state,
            &context,
            &signed_in,
            refusal.status,
            Some(refusal.message),
        )
        .await;
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

/// Asks the app for an approval; the page then shows the number to type there.
pub async fn ask_approval(
    State(state): State<AppState>,
    context: Context,
    signed_in: SignedIn,
    SecureForm(_): SecureForm<Empty>,
) -> Result<Response, WebError> {
    match state.auth.ask_disable_approval(&signed_in).await {
        Ok(_) => confirm(&state, &context, &signed_in, StatusCode::OK, None).await,
        Err(e) => {
            let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
            confirm(
                &state,
                &context,
                &signed_in,
                refusal.status,
                Some(refusal.message),
            )
            .await
        }
    }
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/totp/disable", get(confirm_page).post(disable))
        .route("/totp/disable/approval", post(ask_approval))
}
