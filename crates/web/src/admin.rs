//! The helpdesk console (FAQ 5): find a user, reset their TOTP, unlock, disable or
//! enable, and read their access log. Only for a [`Staff`] proof.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{Empty, SecureForm};
use super::login::kind_label;
use super::page::{Chrome, redirect_to, render};
use super::refusal::Refusal;
use spse_i18n::Texts;
use spse_usecases::{Client, Staff, StaffAction};

/// Access-log entries shown per user.
const LOG_ROWS: i64 = 100;

#[derive(Template)]
#[template(path = "admin_search.html")]
struct SearchPage {
    c: Chrome,
    staff_id: String,
    query: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<AppState>,
    context: Context,
    staff: Staff,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let typed = query.q.trim();
    let mut status = StatusCode::OK;
    let mut error = None;
    if !typed.is_empty() {
        match state.auth.find_account(&staff, typed).await {
            Ok(user) => return Ok(redirect_to(&user_path(&user.user_id))),
            Err(e) => {
                let refusal = Refusal::of_user_search(e, context.t())?;
                status = refusal.status;
                error = Some(refusal.message);
            }
        }
    }
    render(
        status,
        &SearchPage {
            c: Chrome::new(&state, &context, true),
            staff_id: staff.name().to_string(),
            query: typed.chars().take(64).collect(),
            error,
        },
    )
}

fn user_path(user_id: &str) -> String {
    format!("/admin/pengguna/{user_id}")
}

struct LogRow {
    time: String,
    event: String,
    ip: String,
    user_agent: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    c: Chrome,
    user_id: String,
    name: String,
    email: String,
    kind_label: &'static str,
    role: &'static str,
    totp_status: &'static str,
    disabled: bool,
    password_lock: String,
    totp_lock: String,
    done: Option<&'static str>,
    log: Vec<LogRow>,
}

#[derive(Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    selesai: String,
}

fn done_message(t: Texts, action: &str) -> Option<&'static str> {
    match action {
        "reset-totp" => Some(t.get("admin_done_reset_totp")),
        "unlock" => Some(t.get("admin_done_unlock")),
        "disable" => Some(t.get("admin_done_disable")),
        "enable" => Some(t.get("admin_done_enable")),
        "send-password-link" => Some(t.get("admin_done_password_link")),
        _ => None,
    }
}

pub async fn user_page(
    State(state): State<AppState>,
    context: Context,
    staff: Staff,
    Path(user_id): Path<String>,
    Query(query): Query<UserQuery>,
) -> Result<Response, WebError> {
    let (user, log) = state.auth.account_log(&staff, &user_id, LOG_ROWS).await?;
    let t = context.t();
    let now = state.auth.now();
    let lock = |until: i64| {
        if until > now {
            t.fill(
                "admin_locked_until",
                &[("time", &state.web.zone.minutes(until))],
            )
        } else {
            "-".to_string()
        }
    };
    let page = UserPage {
        c: Chrome::new(&state, &context, true),
        kind_label: kind_label(t, user.kind),
        role: user.role.as_str(),
        totp_status: if user.totp_active {
            t.get("totp_status_active")
        } else {
            t.get("totp_status_inactive")
        },
        disabled: user.disabled,
        password_lock: lock(user.password_locked_until),
        totp_lock: lock(user.totp_locked_until),
        done: done_message(t, &query.selesai),
        log: log
            .into_iter()
            .map(|e| LogRow {
                time: state.web.zone.minutes(e.at),
                event: e.event.as_str().to_string(),
                ip: e.ip,
                user_agent: e.user_agent,
                detail: e.detail,
            })
            .collect(),
        user_id: user.user_id,
        name: user.name,
        email: user.email,
    };
    render(StatusCode::OK, &page)
}

pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    client: Client,
    Path((user_id, action)): Path<(String, String)>,
    SecureForm(_): SecureForm<Empty>,
) -> Result<Response, WebError> {
    let what = match action.as_str() {
        "reset-totp" => Some(StaffAction::ResetTotp),
        "unlock" => Some(StaffAction::Unlock),
        "disable" => Some(StaffAction::Disable),
        "enable" => Some(StaffAction::Enable),
        // A link to the address on file; staff never see it.
        "send-password-link" => None,
        _ => return Err(WebError::NotFound),
    };
    let user = match what {
        Some(what) => {
            state
                .auth
                .staff_act(&staff, &user_id, what, &client)
                .await?
        }
        None => {
            state
                .auth
                .staff_send_password_link(&staff, &user_id, &client)
                .await?
        }
    };
    Ok(redirect_to(&format!(
        "{}?selesai={action}",
        user_path(&user.user_id)
    )))
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin", get(search))
        .route("/admin/pengguna/{user_id}", get(user_page))
        .route("/admin/pengguna/{user_id}/{action}", post(act))
}
