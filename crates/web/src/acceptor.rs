//! The acceptor page (guide C.3): push approval with number matching, a typed code as
//! the fallback, and the page moving on by itself once the app says yes.

use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::context::{Context, read_cookie};
use super::error::WebError;
use super::form::{CurrentSession, SecureForm};
use super::page::{
    Chrome, redirect_with_session, render, session_cookie, time_left, trusted_cookie,
};
use super::ran_out::{Waited, ran_out};
use super::refusal::Refusal;
use super::totp::{CodeForm, Shown, require, to_current_step};
use spse_usecases::Session;
use spse_usecases::{AcceptorState, AuthError, Client};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/totp/acceptor", get(acceptor_page).post(acceptor_submit))
        .route("/totp/acceptor/baru", post(ask_again))
}

#[derive(Template)]
#[template(path = "totp_acceptor.html")]
struct AcceptorPage {
    c: Chrome,
    user_id: String,
    /// The account's kind, for the "Reset TOTP?" link: the form opens filled in.
    kind_slug: &'static str,
    number: Option<i64>,
    /// The last approval ran out undecided: one click asks for a new one.
    expired: bool,
    expires_note: String,
    /// Seconds until the approval ends, and the same in words for pages without JS.
    expires_in: i64,
    time_left: String,
    error: Option<String>,
    typed: String,
}

#[derive(Template)]
#[template(path = "totp_decided.html")]
struct DecidedPage {
    c: Chrome,
    title: String,
    message: String,
    /// Where the page goes by itself, if anywhere.
    next: Option<&'static str>,
}

async fn acceptor_response(
    state: &AppState,
    context: &Context,
    session: &Session,
    shown: Shown,
) -> Result<Response, WebError> {
    let user = match state.auth.half_open_account(session) {
        Ok(user) if user.totp_active => user,
        Ok(_) | Err(AuthError::WrongStep) => return to_current_step(state, session).await,
        Err(e) => return Err(e.into()),
    };
    let t = context.t();
    let shown_state = state.auth.acceptor_state(session).await?;
    let (number, expires_note, expires_at) = match shown_state {
        AcceptorState::Waiting { number, expires_at } => (
            Some(number),
            t.fill(
                "acceptor_push_expires",
                &[("time", &state.web.zone.minutes(expires_at))],
            ),
            expires_at,
        ),
        _ => (None, String::new(), 0),
    };
    let expires_in = (expires_at - state.auth.now()).max(0);
    let page = AcceptorPage {
        c: Chrome::new(state, context, false),
        kind_slug: user.kind.as_str(),
        user_id: user.user_id,
        number,
        expired: shown_state == AcceptorState::Expired,
        expires_note,
        expires_in,
        time_left: time_left(t, expires_in),
        error: shown.error,
        typed: shown.typed,
    };
    render(shown.status, &page)
}

pub async fn acceptor_page(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    headers: HeaderMap,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let Some(session) = session else {
        // A refusal in the app ended the attempt with its session: say so, once.
        let cookie = read_cookie(&headers, &state.web.cookies.session);
        return match cookie {
            Some(token) if state.auth.refused_attempt(&token).await? => {
                refused_page(&state, &context)
            }
            Some(token) => ran_out(&state, &context, &token, Waited::Acceptor).await,
            None => Err(WebError::SessionExpired),
        };
    };
    acceptor_view(&state, &context, &client, &session, Shown::default()).await
}

/// The acceptor page, the BERANDA once the app approved, or the refusal.
async fn acceptor_view(
    state: &AppState,
    context: &Context,
    client: &Client,
    session: &Session,
    shown: Shown,
) -> Result<Response, WebError> {
    if state.auth.must_choose_password(session).await? {
        return Ok(super::page::redirect("/ganti-password"));
    }
    let t = context.t();
    match state.auth.complete_approved(session, client).await {
        Ok(Some(token)) => {
            let page = DecidedPage {
                c: Chrome::new(state, context, false),
                title: t.get("acceptor_title").to_string(),
                message: t.fill("acceptor_accepted", &[("user", session.claimed_user_id())]),
                next: Some("/beranda"),
            };
            let mut response = render(StatusCode::OK, &page)?;
            response
                .headers_mut()
                .insert(SET_COOKIE, session_cookie(state, Some(&token)));
            if let Some(trusted) = trusted_cookie(state, &token) {
                response.headers_mut().append(SET_COOKIE, trusted);
            }
            return Ok(response);
        }
        Ok(None) => {}
        Err(AuthError::WrongStep) => return to_current_step(state, session).await,
        Err(e) => return Err(e.into()),
    }
    if state.auth.acceptor_state(session).await? == AcceptorState::Refused {
        state.auth.end_refused(session).await?;
        return refused_page(state, context);
    }
    acceptor_response(state, context, session, shown).await
}

/// "Kirim permintaan baru": a new approval after the last one ran out, then the page.
async fn ask_again(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
    SecureForm(_): SecureForm<super::form::Empty>,
) -> Result<Response, WebError> {
    let session = require(session)?;
    if state.auth.ask_again(&session).await? {
        return Ok(super::page::redirect("/totp/acceptor"));
    }
    let shown = Shown {
        error: Some(context.t().get("acceptor_no_new_approval").to_string()),
        ..Shown::default()
    };
    acceptor_response(&state, &context, &session, shown).await
}

/// The login was refused in the app: the page says so and the cookie goes.
fn refused_page(state: &AppState, context: &Context) -> Result<Response, WebError> {
    let t = context.t();
    let refusal = Refusal::login_refused_in_app(t);
    let page = DecidedPage {
        c: Chrome::new(state, context, false),
        title: t.get("acceptor_refused_title").to_string(),
        message: refusal.message,
        next: None,
    };
    let mut response = render(refusal.status, &page)?;
    response
        .headers_mut()
        .insert(SET_COOKIE, session_cookie(state, None));
    Ok(response)
}

pub async fn acceptor_submit(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    CurrentSession(session): CurrentSession,
    SecureForm(form): SecureForm<CodeForm>,
) -> Result<Response, WebError> {
    let session = require(session)?;
    if form.check.is_some() {
        let shown = Shown::keeping(&form.code);
        return acceptor_view(&state, &context, &client, &session, shown).await;
    }
    match state
        .auth
        .login_with_code(&session, &form.code, &client)
        .await
    {
        Ok(token) => Ok(redirect_with_session(&state, "/beranda", Some(&token))),
        Err(e) => {
            let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
            acceptor_response(&state, &context, &session, Shown::refused(refusal)).await
        }
    }
}
