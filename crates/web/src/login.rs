//! The user ID and password steps.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::context::{Context, read_cookie};
use super::error::WebError;
use super::form::{CurrentSession, SecureForm};
use super::page::{Chrome, redirect, redirect_with_session, render};
use super::refusal::Refusal;
use spse_domain::session::Stage;
use spse_domain::user::UserKind;
use spse_i18n::Texts;
use spse_usecases::{Client, PasswordOutcome, Session};

pub fn kind_label(t: Texts, kind: UserKind) -> &'static str {
    match kind {
        UserKind::Penyedia => t.get("kind_penyedia"),
        UserKind::NonPenyedia => t.get("kind_non_penyedia"),
    }
}

#[derive(Template)]
#[template(path = "login_choose.html")]
struct ChoosePage {
    c: Chrome,
    ended: Option<String>,
    /// A user ID to fill in (a module's `login_hint`), carried on to the next step.
    user_id: String,
}

/// `?user_id=` on the login pages: the user ID to fill in.
#[derive(Deserialize, Default)]
pub struct UserIdHint {
    user_id: Option<String>,
}

impl UserIdHint {
    fn user_id(&self) -> String {
        self.user_id
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect()
    }
}

pub async fn choose(
    State(state): State<AppState>,
    context: Context,
    Query(ended): Query<super::home::Ended>,
    Query(hint): Query<UserIdHint>,
) -> Result<Response, WebError> {
    render(
        StatusCode::OK,
        &ChoosePage {
            c: Chrome::new(&state, &context, false),
            ended: ended.message(context.t(), &state.auth.policy().timeouts),
            user_id: hint.user_id(),
        },
    )
}

#[derive(Template)]
#[template(path = "login_user.html")]
struct UserIdPage {
    c: Chrome,
    kind_label: &'static str,
    kind_slug: &'static str,
    user_id: String,
    error: Option<String>,
}

fn parse_kind(slug: &str) -> Result<UserKind, WebError> {
    match slug {
        "penyedia" => Ok(UserKind::Penyedia),
        "non-penyedia" => Ok(UserKind::NonPenyedia),
        _ => Err(WebError::NotFound),
    }
}

fn user_id_page(
    state: &AppState,
    context: &Context,
    kind: UserKind,
    user_id: String,
    error: Option<String>,
) -> UserIdPage {
    let t = context.t();
    UserIdPage {
        c: Chrome::new(state, context, false),
        kind_label: kind_label(t, kind),
        kind_slug: kind.as_str(),
        user_id,
        error,
    }
}

pub async fn user_page(
    State(state): State<AppState>,
    context: Context,
    Path(slug): Path<String>,
    Query(hint): Query<UserIdHint>,
) -> Result<Response, WebError> {
    let kind = parse_kind(&slug)?;
    render(
        StatusCode::OK,
        &user_id_page(&state, &context, kind, hint.user_id(), None),
    )
}

#[derive(Deserialize)]
pub struct UserIdForm {
    user_id: String,
}

pub async fn user_submit(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
    Path(slug): Path<String>,
    SecureForm(form): SecureForm<UserIdForm>,
) -> Result<Response, WebError> {
    let kind = parse_kind(&slug)?;
    match state
        .auth
        .begin_login(kind, &form.user_id, session.as_ref())
        .await
    {
        Ok(token) => Ok(redirect_with_session(
            &state,
            "/login/password",
            Some(&token),
        )),
        Err(e) => {
            let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
            let echo: String = form
                .user_id
                .chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect();
            render(
                refusal.status,
                &user_id_page(&state, &context, kind, echo, Some(refusal.message)),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "login_password.html")]
struct PasswordPage {
    c: Chrome,
    kind_label: &'static str,
    kind_slug: &'static str,
    user_id: String,
    error: Option<String>,
}

fn password_page_for(
    state: &AppState,
    context: &Context,
    session: &Session,
    error: Option<String>,
) -> PasswordPage {
    PasswordPage {
        c: Chrome::new(state, context, false),
        kind_label: kind_label(context.t(), session.kind()),
        kind_slug: session.kind().as_str(),
        user_id: session.claimed_user_id().to_string(),
        error,
    }
}

pub async fn password_page(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    match session {
        Some(session) if session.stage() == Stage::Identified => render(
            StatusCode::OK,
            &password_page_for(&state, &context, &session, None),
        ),
        _ => Ok(redirect("/login")),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    headers: HeaderMap,
    CurrentSession(session): CurrentSession,
    SecureForm(form): SecureForm<PasswordForm>,
) -> Result<Response, WebError> {
    let session = session
        .filter(|s| s.stage() == Stage::Identified)
        .ok_or(WebError::SessionExpired)?;
    let ticket = read_cookie(&headers, &state.web.cookies.activation);
    match state
        .auth
        .submit_password(&session, &form.password, ticket.as_deref(), &client)
        .await
    {
        Ok((token, outcome)) => {
            let next = match outcome {
                PasswordOutcome::Activate => "/totp/aktivasi",
                PasswordOutcome::EnterCode => "/totp/acceptor",
                PasswordOutcome::Complete => "/beranda",
                PasswordOutcome::ChooseNewPassword => "/ganti-password",
            };
            Ok(redirect_with_session(&state, next, Some(&token)))
        }
        Err(e) => {
            let refusal = Refusal::of(e, context.t(), &state.web.zone)?;
            render(
                refusal.status,
                &password_page_for(&state, &context, &session, Some(refusal.message)),
            )
        }
    }
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/login", get(choose))
        .route("/login/password", get(password_page).post(password_submit))
        .route("/login/{kind}", get(user_page).post(user_submit))
}
