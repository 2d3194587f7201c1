//! GANTI PASSWORD, and the forced change of a login after "bukan saya".

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{CurrentSession, SecureForm};
use super::page::{Chrome, redirect, redirect_with_session, render};
use super::refusal::Refusal;
use spse_domain::session::Stage;
use spse_usecases::{Client, PasswordOutcome};
use spse_usecases::{Session, SignedIn};

#[derive(Template)]
#[template(path = "change_password.html")]
struct ChangePasswordPage {
    c: Chrome,
    user_id: String,
    forced: bool,
    done: Option<&'static str>,
    error: Option<String>,
}

/// Which form a session gets: the full one, the forced one, or none.
enum Mode {
    SignedIn(Box<SignedIn>),
    /// After "bukan saya": the half-open login must choose a new password first.
    Forced(Session),
}

impl Mode {
    fn session(&self) -> &Session {
        match self {
            Self::SignedIn(signed_in) => signed_in.session(),
            Self::Forced(session) => session,
        }
    }
}

async fn mode(
    state: &AppState,
    session: Option<Session>,
) -> Result<Result<Mode, Response>, WebError> {
    let Some(session) = session else {
        return Ok(Err(redirect("/login")));
    };
    Ok(match session.stage() {
        Stage::Full => Ok(Mode::SignedIn(Box::new(
            state.auth.signed_in(session).await?,
        ))),
        Stage::PasswordOk if state.auth.must_choose_password(&session).await? => {
            Ok(Mode::Forced(session))
        }
        // Half-open without a required change: its TOTP step is all it may reach.
        Stage::PasswordOk => Err(redirect("/totp/acceptor")),
        Stage::Identified => Err(redirect("/login/password")),
    })
}

fn page(
    state: &AppState,
    context: &Context,
    mode: &Mode,
    done: Option<&'static str>,
    error: Option<String>,
) -> ChangePasswordPage {
    ChangePasswordPage {
        c: Chrome::new(state, context, matches!(mode, Mode::SignedIn(_))),
        user_id: mode.session().claimed_user_id().to_string(),
        forced: matches!(mode, Mode::Forced(_)),
        done,
        error,
    }
}

pub async fn change_password_page(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let mode = match mode(&state, session).await? {
        Ok(mode) => mode,
        Err(elsewhere) => return Ok(elsewhere),
    };
    render(StatusCode::OK, &page(&state, &context, &mode, None, None))
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password_submit(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    CurrentSession(session): CurrentSession,
    SecureForm(form): SecureForm<ChangeForm>,
) -> Result<Response, WebError> {
    let mode = match mode(&state, session).await? {
        Ok(mode) => mode,
        Err(_) => return Err(WebError::SessionExpired),
    };
    let outcome = match &mode {
        Mode::SignedIn(signed_in) => state
            .auth
            .change_password(
                signed_in,
                &form.current_password,
                &form.new_password,
                &form.confirm_password,
                &client,
            )
            .await
            .map(|()| None),
        Mode::Forced(session) => state
            .auth
            .choose_new_password(session, &form.new_password, &form.confirm_password, &client)
            .await
            .map(Some),
    };
    match outcome {
        Ok(None) => {
            let done = Some(context.t().get("password_changed_done"));
            render(StatusCode::OK, &page(&state, &context, &mode, done, None))
        }
        Ok(Some((token, next))) => {
            let path = match next {
                PasswordOutcome::Activate => "/totp/aktivasi",
                PasswordOutcome::Complete => "/beranda",
                PasswordOutcome::EnterCode | PasswordOutcome::ChooseNewPassword => "/totp/acceptor",
            };
            Ok(match token {
                Some(token) => redirect_with_session(&state, path, Some(&token)),
                None => redirect(path),
            })
        }
        Err(e) => {
            let refusal = Refusal::of_password_change(e, context.t(), &state.web.zone)?;
            render(
                refusal.status,
                &page(&state, &context, &mode, None, Some(refusal.message)),
            )
        }
    }
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/ganti-password",
        get(change_password_page).post(change_password_submit),
    )
}
