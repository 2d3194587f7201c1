//! Form bodies: duplicate and array-style fields refused (GitLab CVE-2023-7028), CSRF token checked,
//! then decoded into the handler's type.

use std::collections::HashSet;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::context::{Context, read_cookie};
use super::error::WebError;
use crate::auth::Client;
use crate::domain::token;
use crate::store::SessionRecord;

/// A form post that passed the CSRF check.
pub struct SecureForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SecureForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let context = request
            .extensions()
            .get::<Context>()
            .cloned()
            .ok_or(WebError::Internal)?;
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    WebError::TooLarge
                } else {
                    WebError::BadRequest
                }
            })?;
        let mut seen = HashSet::new();
        let mut csrf = None;
        for (key, value) in url::form_urlencoded::parse(&body) {
            // `email[]=..` or `email[0]=..` asks some frameworks for an array: refused.
            if key.contains('[') || !seen.insert(key.clone()) {
                return Err(WebError::BadRequest);
            }
            if key == "csrf_token" {
                csrf = Some(value.into_owned());
            }
        }
        if !csrf.is_some_and(|sent| token::equal(&sent, &context.csrf)) {
            return Err(WebError::Forbidden);
        }
        serde_urlencoded::from_bytes(&body)
            .map(SecureForm)
            .map_err(|_| WebError::BadRequest)
    }
}

/// Most characters of a user agent kept in the access log.
const USER_AGENT_MAX: usize = 256;

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(
                || "unknown".to_string(),
                |ConnectInfo(addr)| addr.ip().to_string(),
            );
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(USER_AGENT_MAX)
            .collect();
        Ok(Client { ip, user_agent })
    }
}

/// The live session behind the request's cookie, if any.
pub struct CurrentSession(pub Option<SessionRecord>);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = read_cookie(&parts.headers, &state.web.cookies.session) else {
            return Ok(Self(None));
        };
        Ok(Self(state.auth.session(&token).await?))
    }
}
