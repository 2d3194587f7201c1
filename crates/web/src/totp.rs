//! The activation page (QR, key, code) and the acceptor page (code login).

use axum::routing::get;
use std::io::Cursor;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{CurrentSession, SecureForm, SessionCookie};
use super::page::{Chrome, redirect, redirect_with_session, render, time_left};
use super::ran_out::{Waited, ran_out};
use super::refusal::Refusal;
use spse_domain::session::Stage;
use spse_usecases::Session;
use spse_usecases::{AuthError, Client};

/// Sends a half-open session to the step it belongs to.
pub(super) async fn to_current_step(
    state: &AppState,
    session: &Session,
) -> Result<Response, WebError> {
    Ok(match session.stage() {
        Stage::Full => redirect("/beranda"),
        Stage::Identified => redirect("/login/password"),
        Stage::PasswordOk => {
            let user = state.auth.half_open_account(session)?;
            if user.totp_active {
                redirect("/totp/acceptor")
            } else {
                redirect("/totp/aktivasi")
            }
        }
    })
}

pub(super) fn require(session: Option<Session>) -> Result<Session, WebError> {
    session.ok_or(WebError::SessionExpired)
}

#[derive(Template)]
#[template(path = "totp_activation.html")]
struct ActivationPage {
    c: Chrome,
    user_id: String,
    key_grouped: String,
    expires_note: String,
    expires_in: i64,
    time_left: String,
    /// The app, with the enrolment in the fragment: a browser never sends a fragment,
    /// so the secret reaches no server and no log on the way.
    app_link: String,
    error: Option<String>,
    /// A code typed before "Periksa lagi" was pressed, shown again.
    typed: String,
}

/// What a waiting page shows besides its state: the status, an error, a typed code.
#[derive(Default)]
pub(super) struct Shown {
    pub status: StatusCode,
    pub error: Option<String>,
    pub typed: String,
}

impl Shown {
    pub fn refused(refusal: Refusal) -> Self {
        Self {
            status: refusal.status,
            error: Some(refusal.message),
            typed: String::new(),
        }
    }

    /// The page as it is, keeping a code typed (bounded as the field is).
    pub fn keeping(code: &str) -> Self {
        Self {
            typed: code.chars().take(16).collect(),
            ..Self::default()
        }
    }
}

async fn activation_response(
    state: &AppState,
    context: &Context,
    session: &Session,
    shown: Shown,
) -> Result<Response, WebError> {
    let view = match state.auth.activation_view(session).await {
        Ok(view) => view,
        Err(AuthError::WrongStep) => return to_current_step(state, session).await,
        Err(e) => return Err(e.into()),
    };
    let key_grouped = view
        .key_base32
        .expose()
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let t = context.t();
    let expires_in = (view.expires_at - state.auth.now()).max(0);
    let page = ActivationPage {
        c: Chrome::new(state, context, false),
        user_id: view.user_id,
        key_grouped,
        expires_note: t.fill(
            "activation_expires",
            &[("time", &state.web.zone.minutes(view.expires_at))],
        ),
        expires_in,
        time_left: time_left(t, expires_in),
        // The app opens in the page's language.
        app_link: format!(
            "{}?lang={}#add={}",
            state.web.app_url,
            context.lang.code(),
            url::form_urlencoded::byte_serialize(view.uri.expose().as_bytes()).collect::<String>()
        ),
        error: shown.error,
        typed: shown.typed,
    };
    render(shown.status, &page)
}

pub async fn activation_page(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    SessionCookie(cookie): SessionCookie,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let Some(session) = session else {
        return match cookie {
            Some(token) => ran_out(&state, &context, &token, Waited::Activation).await,
            None => Err(WebError::SessionExpired),
        };
    };
    activation_view(&state, &context, &client, &session, Shown::default()).await
}

/// The activation page, or the BERANDA once the authenticator finished the activation.
async fn activation_view(
    state: &AppState,
    context: &Context,
    client: &Client,
    session: &Session,
    shown: Shown,
) -> Result<Response, WebError> {
    if state.auth.must_choose_password(session).await? {
        return Ok(redirect("/ganti-password"));
    }
    // The authenticator may have finished this activation: then this login is complete.
    match state.auth.complete_enrolled(session, client).await {
        Ok(Some(token)) => return Ok(redirect_with_session(state, "/beranda", Some(&token))),
        Ok(None) => {}
        Err(AuthError::WrongStep) => return to_current_step(state, session).await,
        Err(e) => return Err(e.into()),
    }
    activation_response(state, context, session, shown).await
}

/// The QR code of the pending activation, as a PNG any scanner reads.
pub async fn activation_qr(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let session = require(session)?;
    let view = state.auth.activation_view(&session).await?;
    let png = qr_png(view.uri.expose()).ok_or(WebError::Internal)?;
    Ok(([(CONTENT_TYPE, "image/png")], png).into_response())
}

fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let image = code
        .render::<image::Luma<u8>>()
        .min_dimensions(264, 264)
        .quiet_zone(true)
        .build();
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(png)
}

#[derive(Deserialize)]
pub struct CodeForm {
    pub(super) code: String,
    /// "Periksa lagi" without JavaScript: look again, keeping the code typed.
    #[serde(default)]
    pub(super) check: Option<String>,
}

pub async fn activation_submit(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    CurrentSession(session): CurrentSession,
    SecureForm(form): SecureForm<CodeForm>,
) -> Result<Response, WebError> {
    let session = require(session)?;
    if form.check.is_some() {
        let shown = Shown::keeping(&form.code);
        return activation_view(&state, &context, &client, &session, shown).await;
    }
    match state
        .auth
        .activate_with_code(&session, &form.code, &client)
        .await
    {
        Ok(token) => Ok(redirect_with_session(&state, "/beranda", Some(&token))),
        Err(e) => {
            let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
            activation_response(&state, &context, &session, Shown::refused(refusal)).await
        }
    }
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/totp/aktivasi",
            get(activation_page).post(activation_submit),
        )
        .route("/totp/aktivasi/qr.png", get(activation_qr))
}
