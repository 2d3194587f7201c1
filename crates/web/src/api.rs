//! The JSON API of the SPSE Authenticator (`/api/authenticator/v1/`). Every request is
//! signed by the device key; see `spse_protocol::api`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use spse_protocol::api::{
    DecisionRequest, DecisionResponse, EnrollRequest, ErrorCode, HEADER_DEVICE, HEADER_NONCE,
    HEADER_SIGNATURE, HEADER_TIMESTAMP, PendingList,
};

use super::AppState;
use spse_usecases::{AuthError, Client, SignedRequest};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/authenticator/v1/enroll", post(enroll))
        .route("/api/authenticator/v1/time", get(server_time))
        .route("/api/authenticator/v1/approvals", get(pending))
        .route(
            "/api/authenticator/v1/approvals/{id}/decision",
            post(decide),
        )
}

/// An API failure as its status and JSON body.
struct ApiFailure(ErrorCode);

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0.body())).into_response()
    }
}

impl From<AuthError> for ApiFailure {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Api(code) => Self(code),
            AuthError::Store(cause) => {
                tracing::error!(error = %cause, "database failure in the authenticator API");
                Self(ErrorCode::Unavailable)
            }
            other => {
                tracing::error!(error = %other, "authenticator API failure");
                Self(ErrorCode::Unavailable)
            }
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn signed<'a>(
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> SignedRequest<'a> {
    SignedRequest {
        device: header(headers, HEADER_DEVICE),
        timestamp: header(headers, HEADER_TIMESTAMP),
        nonce: header(headers, HEADER_NONCE),
        signature: header(headers, HEADER_SIGNATURE),
        method: method.as_str(),
        path: uri.path_and_query().map_or("/", |p| p.as_str()),
        body,
    }
}

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(body).map_err(|_| ApiFailure(ErrorCode::BadRequest))
}

/// The server's clock, unsigned: an app reads it before its first signed request, so
/// that the code it enrols with and its timestamps follow the server, not the phone.
async fn server_time(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({ "now": state.auth.now() })).into_response()
}

async fn enroll(
    State(state): State<AppState>,
    client: Client,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    let request: EnrollRequest = json(&body)?;
    let response = state
        .auth
        .enroll(&signed(&method, &uri, &headers, &body), &request, &client)
        .await?;
    Ok(Json(response).into_response())
}

async fn pending(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    let device = state
        .auth
        .authenticate_device(&signed(&method, &uri, &headers, &body))
        .await?;
    let approvals = state.auth.pending_for_device(&device).await?;
    Ok(Json(PendingList { approvals }).into_response())
}

async fn decide(
    State(state): State<AppState>,
    client: Client,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    let device = state
        .auth
        .authenticate_device(&signed(&method, &uri, &headers, &body))
        .await?;
    let request: DecisionRequest = json(&body)?;
    let decision = state
        .auth
        .decide(&device, &id, request.decision, request.number, &client)
        .await?;
    Ok(Json(DecisionResponse { decision }).into_response())
}
