//! Form bodies: duplicate and array-style fields refused (GitLab CVE-2023-7028), CSRF token checked,
//! then decoded into the handler's type.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::context::{Context, read_cookie};
use super::error::WebError;
use spse_domain::secret::Secret;
use spse_domain::token;
use spse_usecases::Client;
use spse_usecases::Session;

/// A form with nothing but its CSRF token: a button.
#[derive(serde::Deserialize)]
pub struct Empty {}

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

impl FromRequestParts<AppState> for Client {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let ip = peer.map_or_else(
            || "unknown".to_string(),
            |peer| client_ip(peer, &forwarded, &state.web.trusted_proxies).to_string(),
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
        let trusted_browser = read_cookie(&parts.headers, &state.web.cookies.trusted)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(Secret::new);
        Ok(Client {
            ip,
            user_agent,
            trusted_browser,
        })
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. An address the
/// client wrote in the header is never believed unless a trusted proxy put it there.
pub fn client_ip(peer: IpAddr, forwarded_for: &str, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut nearest = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim) {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        nearest = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    nearest
}

/// The session cookie's value as sent, unchecked. Logout takes it rather than a
/// [`CurrentSession`], whose lookup may write (touching the session, removing an expired
/// one) and so fail with the database: the cookie must be cleared even then.
pub struct SessionCookie(pub Option<String>);

impl FromRequestParts<AppState> for SessionCookie {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(read_cookie(
            &parts.headers,
            &state.web.cookies.session,
        )))
    }
}

/// The live session behind the request's cookie, if any.
pub struct CurrentSession(pub Option<Session>);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_ip(ip("203.0.113.9"), "1.2.3.4", &trusted),
            ip("203.0.113.9"),
            "untrusted peer"
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), "198.51.100.7", &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), "6.6.6.6, 198.51.100.7, 10.0.0.3", &trusted),
            ip("198.51.100.7"),
            "a spoofed leftmost entry is ignored"
        );
        assert_eq!(client_ip(ip("10.0.0.2"), "", &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), "garbage", &trusted),
            ip("10.0.0.2")
        );
    }
}
