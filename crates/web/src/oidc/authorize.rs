//! The authorization endpoint. A browser without a full session goes through the login
//! steps and comes back: the request waits in a cookie, and the login's end (the
//! BERANDA) sends the browser back to this endpoint on our own origin, which checks the
//! request again from the start. Nothing in the cookie is ever a redirect target.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::AppState;
use super::super::context::read_cookie;
use super::super::error::WebError;
use super::super::form::CurrentSession;
use spse_domain::session::Stage;
use spse_usecases::oidc::authorize::{AuthorizeParams, Authorized, Resume};

/// Longest authorization request kept for after the login.
const MAX_QUERY: usize = 2048;
/// How long a request waits for its login.
const RESUME_SECS: i64 = 30 * 60;

fn encode_resume(resume: &Resume, query: &str) -> String {
    let query: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!(
        "{}.{}.{}",
        resume.requested_at, resume.previous_session, query
    )
}

fn decode_resume(value: &str) -> Option<(Resume, String)> {
    let mut parts = value.splitn(3, '.');
    let requested_at = parts.next()?.parse().ok()?;
    let previous_session = parts.next()?.to_string();
    let encoded = parts.next()?.replace('+', "%20");
    let query = url::form_urlencoded::parse(format!("q={encoded}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    Some((
        Resume {
            requested_at,
            previous_session,
        },
        query,
    ))
}

/// Where the BERANDA sends a browser that completed a login for a waiting
/// authorization request: this endpoint again, on our own origin.
pub fn resume_location(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let value = read_cookie(headers, &state.web.cookies.oidc)?;
    let (_, query) = decode_resume(&value)?;
    Some(format!("/oauth2/authorize?{query}"))
}

fn see_other(location: &str, cookie: HeaderValue) -> Result<Response, WebError> {
    let location = HeaderValue::from_str(location).map_err(|_| WebError::BadRequest)?;
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, location), (SET_COOKIE, cookie)],
    )
        .into_response())
}

pub async fn authorize(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let query = query.unwrap_or_default();
    if query.len() > MAX_QUERY {
        return Err(WebError::TooLarge);
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let params = AuthorizeParams::from_pairs(&pairs)?;
    let signed_in = match &session {
        Some(s) if s.stage() == Stage::Full => state.auth.signed_in(s.clone()).await.ok(),
        _ => None,
    };
    let resume = read_cookie(&headers, &state.web.cookies.oidc)
        .and_then(|v| decode_resume(&v))
        .filter(|(_, waiting)| *waiting == query)
        .map(|(resume, _)| resume);
    let cookies = &state.web.cookies;
    match state
        .auth
        .authorize(
            &params,
            signed_in.as_ref(),
            session.as_ref(),
            resume.as_ref(),
        )
        .await?
    {
        Authorized::Redirect(url) => {
            see_other(url.as_str(), cookies.set(&cookies.oidc, "", Some(0)))
        }
        Authorized::Login { login_hint, resume } => {
            let cookie = cookies.set(
                &cookies.oidc,
                &encode_resume(&resume, &query),
                Some(RESUME_SECS),
            );
            let location = match login_hint {
                Some(hint) => {
                    let hint: String =
                        url::form_urlencoded::byte_serialize(hint.as_bytes()).collect();
                    format!("/login?user_id={hint}")
                }
                None => "/login".to_string(),
            };
            see_other(&location, cookie)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiting_request_survives_its_cookie() {
        let resume = Resume {
            requested_at: 1_800_000_000,
            previous_session: "-".into(),
        };
        let query = "client_id=a%20b&redirect_uri=https%3A%2F%2Fm.example%2Fcb&state=x+y,z";
        let value = encode_resume(&resume, query);
        assert!(!value.contains([';', ',', ' ', '"']));
        assert_eq!(decode_resume(&value), Some((resume, query.to_string())));
    }
}
