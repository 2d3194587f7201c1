//! CORS for the signed API, and only for it: the SPSE Authenticator web app lives on an
//! origin of its own (APP_URL) and calls `/api/authenticator/v1/` from there. The API
//! uses no cookies (every request is signed by a device key), so no credentials are
//! allowed and no page of the login origin is ever readable from another origin.

use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use spse_protocol::api::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SERVER_TIME, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The request's `Origin` when it is one of the app origins.
fn allowed_origin(headers: &HeaderMap, state: &AppState) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    state
        .web
        .app_origins
        .iter()
        .any(|allowed| allowed == text)
        .then(|| origin.clone())
}

/// Answers a preflight itself and marks every other API answer for the app's origin;
/// each answer carries the server's clock, which the app keeps its codes and its
/// signatures' timestamps to (a phone's clock may be off by minutes).
pub async fn api(state: &AppState, request: Request, next: Next) -> Response {
    let origin = allowed_origin(request.headers(), state);
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if origin.is_some() {
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            let allowed = format!(
                "content-type, {HEADER_DEVICE}, {HEADER_TIMESTAMP}, {HEADER_NONCE}, {HEADER_SIGNATURE}"
            );
            if let Ok(value) = HeaderValue::from_str(&allowed) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
            }
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE),
            );
        }
        response
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    if let Ok(now) = HeaderValue::from_str(&state.auth.now().to_string()) {
        headers.insert(HEADER_SERVER_TIME, now);
    }
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(HEADER_SERVER_TIME),
        );
    }
    response
}
