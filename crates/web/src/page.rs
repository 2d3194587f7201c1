//! What every page shares (header, language, footer) and rendering helpers.

use askama::Template;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::context::Context;
use super::error::{ErrorPage, WebError};
use spse_i18n::Texts;
use spse_usecases::{ActivationTicket, SessionToken};

/// Layout data of every page.
pub struct Chrome {
    pub t: Texts,
    pub csrf: String,
    pub demo: bool,
    pub issuer: String,
    pub signed_in: bool,
    pub footer_version: String,
    pub footer_time: String,
    /// The helpdesk, in the footer of every page.
    pub help: spse_domain::helpdesk::Helpdesk,
    /// The links to this page in Indonesian and in English, keeping its query.
    pub href_id: String,
    pub href_en: String,
}

impl Chrome {
    pub fn new(state: &AppState, context: &Context, signed_in: bool) -> Self {
        let t = context.t();
        Self {
            t,
            csrf: context.csrf.clone(),
            demo: state.web.demo,
            issuer: state.web.issuer.clone(),
            signed_in,
            footer_version: t.fill("footer_version", &[("version", env!("CARGO_PKG_VERSION"))]),
            footer_time: t.fill(
                "footer_time",
                &[("time", &state.web.zone.minutes(state.auth.now()))],
            ),
            help: state.auth.policy().helpdesk.clone(),
            href_id: context.lang_href(spse_i18n::Lang::Id),
            href_en: context.lang_href(spse_i18n::Lang::En),
        }
    }
}

/// The time left before a deadline, in words, for pages read without JavaScript (the
/// countdown in waiting.js replaces it): whole minutes, rounded up, under a minute in
/// seconds.
pub fn time_left(t: Texts, seconds: i64) -> String {
    let seconds = u64::try_from(seconds).unwrap_or_default();
    if seconds < 60 {
        t.plural("time_left_seconds", seconds, &[])
    } else {
        t.plural("time_left_minutes", seconds.div_ceil(60), &[])
    }
}

/// Renders a template with a status.
pub fn render(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    let html = page.render().map_err(|e| {
        tracing::error!(error = %e, "template failed to render");
        WebError::Internal
    })?;
    Ok((status, Html(html)).into_response())
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    c: &'a Chrome,
    title: &'a str,
    message: &'a str,
    link: &'a str,
    link_label: &'a str,
}

/// The body of an error page.
pub fn render_message(c: &Chrome, page: &ErrorPage) -> String {
    let t = c.t;
    MessagePage {
        c,
        title: t.get("error_title"),
        message: t.get(page.message_key),
        link: page.link,
        link_label: t.get(page.link_key),
    }
    .render()
    .unwrap_or_else(|_| t.get(page.message_key).to_string())
}

/// A message page of the feature's own words (a notice, not an error).
pub fn render_notice(
    c: &Chrome,
    title: &str,
    message: &str,
    link: &str,
    link_label: &str,
) -> Result<Response, WebError> {
    render(
        StatusCode::OK,
        &MessagePage {
            c,
            title,
            message,
            link,
            link_label,
        },
    )
}

/// The `Set-Cookie` value that sets the session cookie to `token`, or clears it.
pub fn session_cookie(state: &AppState, token: Option<&SessionToken>) -> HeaderValue {
    let cookies = &state.web.cookies;
    match token {
        Some(token) => cookies.set(&cookies.session, &token.0, None),
        None => cookies.set(&cookies.session, "", Some(0)),
    }
}

/// The `Set-Cookie` value that marks this browser as trusted for the account, when the
/// login that made `token` was its first two-factor login here.
pub fn trusted_cookie(state: &AppState, token: &SessionToken) -> Option<HeaderValue> {
    let cookies = &state.web.cookies;
    let trusted = token.1.as_ref()?;
    Some(cookies.set(
        &cookies.trusted,
        &trusted.0,
        Some(state.auth.trusted_browser_secs()),
    ))
}

/// The `Set-Cookie` value that keeps an activation ticket in this browser.
pub fn ticket_cookie(state: &AppState, ticket: &ActivationTicket) -> HeaderValue {
    let cookies = &state.web.cookies;
    cookies.set(
        &cookies.activation,
        &ticket.0,
        Some(state.auth.ticket_secs()),
    )
}

/// A 303 to `path`, setting (or clearing, with `None`) the session cookie.
pub fn redirect_with_session(
    state: &AppState,
    path: &str,
    token: Option<&SessionToken>,
) -> Response {
    let cookie = session_cookie(state, token);
    let location = HeaderValue::from_str(path).unwrap_or_else(|_| HeaderValue::from_static("/"));
    let mut response = (
        StatusCode::SEE_OTHER,
        [(LOCATION, location), (SET_COOKIE, cookie)],
    )
        .into_response();
    if let Some(trusted) = token.and_then(|t| trusted_cookie(state, t)) {
        response.headers_mut().append(SET_COOKIE, trusted);
    }
    response
}

/// A 303 to `path`.
pub fn redirect(path: &'static str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, HeaderValue::from_static(path))],
    )
        .into_response()
}

/// A 303 to a path built at run time (percent-encoded where needed).
pub fn redirect_to(path: &str) -> Response {
    let location = HeaderValue::from_str(path).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}
