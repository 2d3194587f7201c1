//! SCIM 2.0 at `/scim/v2` (RFC 7644): the discovery endpoints and the Users resource,
//! for the procurement system's provisioning. Every request carries a bearer token;
//! answers and errors are `application/scim+json`, errors in RFC 7644 3.12's format.
//! The rules are `spse_usecases::scim`'s.

mod discovery;
mod render;
mod users;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::AppState;
use spse_usecases::AuthError;
use spse_usecases::scim::{ScimCaller, ScimError};

/// Where the routes are served.
pub const PREFIX: &str = "/scim/v2";
const MEDIA_TYPE: &str = "application/scim+json";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM answer: a JSON body with SCIM's media type.
pub(crate) fn scim_json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE))],
        body.to_string(),
    )
        .into_response()
}

/// A SCIM error (RFC 7644 3.12): the status, as a string, and the `scimType` for 400s.
pub(crate) struct ScimFailure(pub ScimError);

impl From<ScimError> for ScimFailure {
    fn from(e: ScimError) -> Self {
        Self(e)
    }
}

fn error_body(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    let mut body = json!({
        "schemas": [ERROR_SCHEMA],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    scim_json(status, &body)
}

impl IntoResponse for ScimFailure {
    fn into_response(self) -> Response {
        let detail = self.0.to_string();
        let (status, scim_type) = match &self.0 {
            ScimError::Unauthorized => {
                let mut response = error_body(StatusCode::UNAUTHORIZED, None, &detail);
                response.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"SCIM\""),
                );
                return response;
            }
            ScimError::NotFound => (StatusCode::NOT_FOUND, None),
            ScimError::InvalidSyntax(_) => (StatusCode::BAD_REQUEST, Some("invalidSyntax")),
            ScimError::InvalidValue(_) => (StatusCode::BAD_REQUEST, Some("invalidValue")),
            ScimError::InvalidFilter(_) => (StatusCode::BAD_REQUEST, Some("invalidFilter")),
            ScimError::InvalidPath(_) => (StatusCode::BAD_REQUEST, Some("invalidPath")),
            ScimError::NoTarget(_) => (StatusCode::BAD_REQUEST, Some("noTarget")),
            ScimError::Mutability(_) => (StatusCode::BAD_REQUEST, Some("mutability")),
            ScimError::Uniqueness(_) => (StatusCode::CONFLICT, Some("uniqueness")),
            ScimError::Auth(AuthError::Store(cause)) => {
                tracing::error!(error = %cause, "database failure; SCIM request failed closed");
                return error_body(StatusCode::SERVICE_UNAVAILABLE, None, "unavailable");
            }
            ScimError::Auth(cause) => {
                tracing::error!(error = %cause, "SCIM request failed");
                return error_body(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error");
            }
        };
        error_body(status, scim_type, &detail)
    }
}

/// The bearer token's proof, or a 401 in SCIM's format.
pub(crate) struct Provisioner(pub ScimCaller);

impl FromRequestParts<AppState> for Provisioner {
    type Rejection = ScimFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(ScimError::Unauthorized.into());
        };
        let bearer = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ScimError::Unauthorized)?;
        Ok(Self(state.auth.scim_caller(bearer).await?))
    }
}

/// The JSON body of a request: SCIM's media type or plain JSON (RFC 7644 8.1).
pub(crate) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ScimFailure> {
    let media = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(media.as_deref(), Some(MEDIA_TYPE | "application/json")) {
        return Err(ScimError::InvalidSyntax(format!("the body must be {MEDIA_TYPE}")).into());
    }
    serde_json::from_slice(body)
        .map_err(|_| ScimError::InvalidSyntax("the body is not valid JSON".into()).into())
}

/// An error answer on a SCIM path that no SCIM handler wrote (a body over the limit, a
/// path parameter axum refused) in SCIM's format too, as RFC 7644 3.12 asks.
pub fn in_scim_format(response: Response) -> Response {
    let status = response.status();
    let scim = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == MEDIA_TYPE.as_bytes());
    if scim || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    error_body(status, None, status.canonical_reason().unwrap_or("error"))
}

async fn not_found() -> Response {
    ScimFailure(ScimError::NotFound).into_response()
}

async fn method_not_allowed() -> Response {
    error_body(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this endpoint does not take that method",
    )
}

pub fn router() -> axum::Router<AppState> {
    let scim = axum::Router::new()
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route("/.search", post(users::search))
        .route(
            "/Users/{id}",
            get(users::show)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found);
    axum::Router::new().nest(PREFIX, scim)
}
