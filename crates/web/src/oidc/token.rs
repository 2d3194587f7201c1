//! The token, userinfo and revocation endpoints: called by the modules' servers, answered
//! in JSON with the errors of RFC 6749 5.2 and RFC 6750 3.1.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::super::AppState;
use super::super::error::oauth_status;
use spse_usecases::oidc::OidcError;
use spse_usecases::oidc::token::{ClientCredentials, TokenParams};

/// The form body's pairs; `Err` for another content type or a repeated parameter
/// (RFC 6749 3.2: parameters must not be included more than once).
fn form_pairs(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, OidcError> {
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(OidcError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    for (i, (key, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k, _)| k == key) {
            return Err(OidcError::InvalidRequest("a parameter is repeated"));
        }
    }
    Ok(pairs)
}

fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn form_decoded(text: &str) -> String {
    url::form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `Authorization: Basic` as RFC 6749 2.3.1 has it: id and secret form-encoded, then
/// base64. `Err` for a Basic header that does not decode.
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OidcError> {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(OidcError::InvalidClient)?;
    let (id, secret) = decoded.split_once(':').ok_or(OidcError::InvalidClient)?;
    Ok(Some((form_decoded(id), form_decoded(secret))))
}

fn credentials(
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<ClientCredentials, OidcError> {
    Ok(ClientCredentials {
        basic: basic(headers)?,
        client_id: field(pairs, "client_id"),
        client_secret: field(pairs, "client_secret"),
    })
}

/// Tokens and their errors are never cached (RFC 6749 5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn oauth_error(e: &OidcError, used_basic: bool) -> Response {
    if matches!(e, OidcError::Signing(_) | OidcError::Auth(_)) {
        tracing::error!(error = %e, "OpenID request failed");
    }
    let mut body = json!({ "error": e.code() });
    if let Some(description) = e.description() {
        body["error_description"] = json!(description);
    }
    let mut response = (oauth_status(e), Json(body)).into_response();
    if matches!(e, OidcError::InvalidClient) && used_basic {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"spse-auth\""),
        );
    }
    no_store(response)
}

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let used_basic = headers.contains_key(AUTHORIZATION);
    let result = async {
        let pairs = form_pairs(&headers, &body)?;
        let credentials = credentials(&headers, &pairs)?;
        let params = TokenParams {
            grant_type: field(&pairs, "grant_type"),
            code: field(&pairs, "code"),
            redirect_uri: field(&pairs, "redirect_uri"),
            code_verifier: field(&pairs, "code_verifier"),
            refresh_token: field(&pairs, "refresh_token"),
        };
        state.auth.exchange(&credentials, &params).await
    }
    .await;
    match result {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(e) => oauth_error(&e, used_basic),
    }
}

pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(bearer) = bearer else {
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer realm=\"spse-auth\"")],
        )
            .into_response();
    };
    match state.auth.userinfo(bearer).await {
        Ok(claims) => no_store(Json(claims).into_response()),
        Err(OidcError::InvalidToken) => (
            StatusCode::UNAUTHORIZED,
            [(
                WWW_AUTHENTICATE,
                "Bearer realm=\"spse-auth\", error=\"invalid_token\"",
            )],
        )
            .into_response(),
        Err(e) => oauth_error(&e, false),
    }
}

pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let used_basic = headers.contains_key(AUTHORIZATION);
    let result = async {
        let pairs = form_pairs(&headers, &body)?;
        let credentials = credentials(&headers, &pairs)?;
        let presented =
            field(&pairs, "token").ok_or(OidcError::InvalidRequest("token is missing"))?;
        state.auth.revoke(&credentials, &presented).await
    }
    .await;
    match result {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => oauth_error(&e, used_basic),
    }
}
