//! /admin/log-akses: every user's entries with filters, flagged "not me" entries first.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::access_log::{event_words, result_words};
use super::context::Context;
use super::error::WebError;
use super::page::{Chrome, render};
use spse_domain::client::browser_summary;
use spse_domain::event::EventKind;
use spse_domain::user::UserId;
use spse_usecases::EventFilter;
use spse_usecases::Staff;

/// The filters as typed; empty means "any".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    ip: String,
    /// First day, YYYY-MM-DD in the configured zone.
    #[serde(default)]
    from: String,
    /// Last day (inclusive).
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: Option<i64>,
}

struct Row {
    id: i64,
    name: String,
    time: String,
    user_id: String,
    words: String,
    ip: String,
    browser: String,
    user_agent: String,
    result: &'static str,
    detail: String,
    flagged: Option<String>,
}

struct EventOption {
    name: &'static str,
    words: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "helpdesk_log.html")]
struct HelpdeskLogPage {
    c: Chrome,
    q: FilterQuery,
    events: Vec<EventOption>,
    rows: Vec<Row>,
    error: Option<&'static str>,
    newer: Option<String>,
    older: Option<String>,
}

/// The filter for the store, or which field could not be read.
fn filter_of(state: &AppState, q: &FilterQuery) -> Result<EventFilter, &'static str> {
    let zone = &state.web.zone;
    let day = |text: &str| -> Result<Option<i64>, &'static str> {
        match text.trim() {
            "" => Ok(None),
            date => zone.start_of_day(date).map(Some).ok_or("helpdesk_bad_date"),
        }
    };
    let user_key = match q.user.trim() {
        "" => String::new(),
        typed => UserId::parse(typed)
            .map_err(|_| "error_invalid_user_id")?
            .key(),
    };
    Ok(EventFilter {
        user_key,
        event: q.event.trim().to_string(),
        ip: q.ip.trim().to_string(),
        from: day(&q.from)?,
        until: day(&q.until)?.map(|start| start + 86_400),
        // The use case narrows this for helpdesk staff.
        ordinary_only: false,
    })
}

fn page_link(q: &FilterQuery, page: i64) -> String {
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("user", &q.user),
        ("event", &q.event),
        ("ip", &q.ip),
        ("from", &q.from),
        ("until", &q.until),
    ] {
        if !value.is_empty() {
            link.append_pair(key, value);
        }
    }
    link.append_pair("page", &page.to_string());
    format!("/admin/log-akses?{}", link.finish())
}

pub async fn helpdesk_log(
    State(state): State<AppState>,
    context: Context,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, WebError> {
    let t = context.t();
    let page = q.page.unwrap_or(0).max(0);
    let (found, has_more, error) = match filter_of(&state, &q) {
        Ok(filter) => {
            let (found, more) = state.auth.search_log(&staff, &filter, page).await?;
            (found, more, None)
        }
        Err(key) => (Vec::new(), false, Some(key)),
    };
    let zone = &state.web.zone;
    let rows = found
        .into_iter()
        .map(|logged| {
            let e = logged.event;
            Row {
                id: logged.id,
                time: zone.seconds(e.at),
                words: event_words(t, e.event.as_str()),
                result: result_words(t, e.event.as_str()),
                browser: browser_summary(&e.user_agent),
                flagged: logged.flagged_at.map(|at| zone.seconds(at)),
                name: e.event.as_str().to_string(),
                user_id: e.user_id,
                ip: e.ip,
                user_agent: e.user_agent,
                detail: e.detail,
            }
        })
        .collect();
    let events = EventKind::ALL
        .iter()
        .map(|kind| EventOption {
            name: kind.as_str(),
            words: event_words(t, kind.as_str()),
            selected: q.event == kind.as_str(),
        })
        .collect();
    let view = HelpdeskLogPage {
        c: Chrome::new(&state, &context, true),
        newer: (page > 0).then(|| page_link(&q, page - 1)),
        older: has_more.then(|| page_link(&q, page + 1)),
        error: error.map(|key| t.get(key)),
        events,
        rows,
        q,
    };
    render(StatusCode::OK, &view)
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/admin/log-akses", get(helpdesk_log))
}
