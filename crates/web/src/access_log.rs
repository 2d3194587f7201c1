//! LOG AKSES: the user's own entries and sessions, ending sessions, "bukan saya".

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{Empty, SecureForm};
use super::page::{Chrome, redirect, redirect_with_session, render, render_notice, session_cookie};
use spse_domain::client::browser_summary;
use spse_domain::event::{EventKind, Outcome};
use spse_i18n::Texts;
use spse_usecases::LoggedEvent;
use spse_usecases::{Client, SignedIn};

/// An event in the user's words.
pub fn event_words(t: Texts, name: &str) -> String {
    let Some(kind) = EventKind::parse(name) else {
        return name.to_string();
    };
    match kind {
        EventKind::LoginSucceeded => t.get("event_login_ok"),
        EventKind::PasswordWrong => t.get("event_password_wrong"),
        EventKind::PasswordLocked => t.get("event_password_locked"),
        EventKind::CodeWrong => t.get("event_code_wrong"),
        EventKind::CodeReused => t.get("event_code_reused"),
        EventKind::CodeLocked => t.get("event_code_locked"),
        EventKind::TotpActivated => t.get("event_totp_activated"),
        EventKind::ApprovalGranted => t.get("event_approval_ok"),
        EventKind::ApprovalDenied => t.get("event_approval_denied"),
        EventKind::ApprovalNotMe => t.get("event_approval_not_me"),
        EventKind::ApprovalWrongNumber => t.get("event_approval_wrong_number"),
        EventKind::Logout => t.get("event_logout"),
        EventKind::PasswordChanged => t.get("event_password_changed"),
        EventKind::SessionsEnded => t.get("event_sessions_ended"),
        EventKind::NotMe => t.get("event_not_me"),
        EventKind::ResetRequested => t.get("event_reset_requested"),
        EventKind::TotpReset => t.get("event_totp_reset"),
        EventKind::TotpDisabled => t.get("event_totp_disabled"),
        EventKind::HelpdeskTotpReset => t.get("event_helpdesk_totp_reset"),
        EventKind::HelpdeskUnlock => t.get("event_helpdesk_unlock"),
        EventKind::HelpdeskDisable => t.get("event_helpdesk_disable"),
        EventKind::HelpdeskEnable => t.get("event_helpdesk_enable"),
        EventKind::ActivationRefused => t.get("event_activation_refused"),
        EventKind::PasswordResetRequested => t.get("event_password_reset_requested"),
        EventKind::PasswordLinkSent => t.get("event_password_link_sent"),
        EventKind::PasswordReset => t.get("event_password_reset"),
        EventKind::ScimCreated => t.get("event_scim_created"),
        EventKind::ScimUpdated => t.get("event_scim_updated"),
        EventKind::ScimDisabled => t.get("event_scim_disabled"),
        EventKind::ScimEnabled => t.get("event_scim_enabled"),
        EventKind::ScimDeleted => t.get("event_scim_deleted"),
        EventKind::ScimTokenAdded => t.get("event_scim_token_added"),
        EventKind::ScimTokenRevoked => t.get("event_scim_token_revoked"),
        EventKind::AccountImported => t.get("event_account_imported"),
    }
    .to_string()
}

pub fn result_words(t: Texts, name: &str) -> &'static str {
    match EventKind::parse(name).map(EventKind::outcome) {
        Some(Outcome::Success) => t.get("result_success"),
        Some(Outcome::Failure) => t.get("result_failure"),
        Some(Outcome::Notice) | None => t.get("result_notice"),
    }
}

struct EventRow {
    id: i64,
    name: String,
    time: String,
    words: String,
    ip: String,
    browser: String,
    user_agent: String,
    result: &'static str,
    flagged: bool,
    can_flag: bool,
}

struct SessionRow {
    handle: String,
    started: String,
    last_seen: String,
    ip: String,
    browser: String,
    user_agent: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    c: Chrome,
    events: Vec<EventRow>,
    sessions: Vec<SessionRow>,
    newer_page: Option<i64>,
    older_page: Option<i64>,
}

fn event_row(state: &AppState, t: Texts, logged: LoggedEvent) -> EventRow {
    let e = logged.event;
    EventRow {
        id: logged.id,
        time: state.web.zone.seconds(e.at),
        words: event_words(t, e.event.as_str()),
        result: result_words(t, e.event.as_str()),
        can_flag: e.event.kind().is_some_and(EventKind::is_login_attempt),
        flagged: logged.flagged_at.is_some(),
        browser: browser_summary(&e.user_agent),
        name: e.event.as_str().to_string(),
        ip: e.ip,
        user_agent: e.user_agent,
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

pub async fn access_log_page(
    State(state): State<AppState>,
    context: Context,
    signed_in: SignedIn,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    let page = query.page.unwrap_or(0).max(0);
    let log = state.auth.own_access_log(&signed_in, page).await?;
    let sessions = state.auth.user_sessions(&signed_in).await?;
    let t = context.t();
    let zone = &state.web.zone;
    let view = AccessLogPage {
        events: log
            .events
            .into_iter()
            .map(|e| event_row(&state, t, e))
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                started: zone.seconds(s.created_at),
                last_seen: zone.seconds(s.last_seen_at),
                browser: browser_summary(&s.user_agent),
                handle: s.handle,
                ip: s.ip,
                user_agent: s.user_agent,
                current: s.current,
            })
            .collect(),
        newer_page: (page > 0).then(|| page - 1),
        older_page: log.has_more.then_some(page + 1),
        c: Chrome::new(&state, &context, true),
    };
    render(StatusCode::OK, &view)
}

#[derive(Deserialize)]
pub struct EndSessionForm {
    session: String,
}

pub async fn end_session(
    State(state): State<AppState>,
    client: Client,
    signed_in: SignedIn,
    SecureForm(form): SecureForm<EndSessionForm>,
) -> Result<Response, WebError> {
    if state
        .auth
        .end_session(&signed_in, &form.session, &client)
        .await?
    {
        return Ok(redirect_with_session(&state, "/?ended=logout", None));
    }
    Ok(redirect("/log-akses"))
}

pub async fn end_other_sessions(
    State(state): State<AppState>,
    client: Client,
    signed_in: SignedIn,
    SecureForm(_): SecureForm<Empty>,
) -> Result<Response, WebError> {
    state.auth.end_other_sessions(&signed_in, &client).await?;
    Ok(redirect("/log-akses"))
}

#[derive(Deserialize)]
pub struct NotMeForm {
    event_id: i64,
}

pub async fn not_me(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    signed_in: SignedIn,
    SecureForm(form): SecureForm<NotMeForm>,
) -> Result<Response, WebError> {
    state
        .auth
        .not_me(&signed_in, form.event_id, &client)
        .await?;
    let t = context.t();
    let mut response = render_notice(
        &Chrome::new(&state, &context, false),
        t.get("not_me_done_title"),
        t.get("not_me_done"),
        "/login",
        t.get("link_login"),
    )?
    .into_response();
    response
        .headers_mut()
        .append(SET_COOKIE, session_cookie(&state, None));
    Ok(response)
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/log-akses", get(access_log_page))
        .route("/log-akses/akhiri-sesi", post(end_session))
        .route("/log-akses/akhiri-sesi-lain", post(end_other_sessions))
        .route("/log-akses/bukan-saya", post(not_me))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_words_in_both_languages() {
        for lang in [spse_i18n::Lang::Id, spse_i18n::Lang::En] {
            let t = Texts::new(lang);
            for kind in EventKind::ALL {
                let words = event_words(t, kind.as_str());
                assert!(!words.starts_with("event_"), "{words}");
            }
        }
    }
}
