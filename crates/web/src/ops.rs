//! Health, metrics, static files, and the fallback. Metrics and health detail are served
//! only on the management listener: they count things (queued mail, locked accounts)
//! that the public pages are careful not to reveal.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use spse_usecases::key_check::KeyState;

use super::AppState;
use super::error::WebError;

/// Readiness in detail, for operators: 200 when the database answers, takes a write and
/// its schema is current, else 503 with what is wrong (`database`: `ok`, `read-only` or
/// `unreachable`).
pub async fn readiness(State(state): State<AppState>) -> Response {
    let (ready, body) = readiness_report(&state).await;
    (ready_status(ready), Json(body)).into_response()
}

/// Readiness for a load balancer in front of the public listener: the status, and no
/// detail about the database.
pub async fn public_readiness(State(state): State<AppState>) -> Response {
    let (ready, _) = readiness_report(&state).await;
    let body = serde_json::json!({ "status": if ready { "ok" } else { "unavailable" } });
    (ready_status(ready), Json(body)).into_response()
}

fn ready_status(ready: bool) -> StatusCode {
    if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn readiness_report(state: &AppState) -> (bool, serde_json::Value) {
    let (database, migrations, key) = match state.auth.readiness().await {
        Ok(found) => {
            let migrations = match found.migrations_current {
                Some(true) => "current",
                Some(false) => "behind",
                None => "unknown",
            };
            if matches!(found.key, KeyState::Mismatch | KeyState::Unrecorded) {
                tracing::error!(
                    key = found.key.as_str(),
                    "readiness: the database does not record this instance's key file"
                );
            }
            let database = if found.writable { "ok" } else { "read-only" };
            (database, migrations, found.key)
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            ("unreachable", "unknown", KeyState::Unknown)
        }
    };
    let ready = database == "ok" && migrations == "current" && key == KeyState::Matches;
    let body = serde_json::json!({
        "status": if ready { "ok" } else { "unavailable" },
        "database": database,
        "migrations": migrations,
        "key": key.as_str(),
    });
    (ready, body)
}

/// Prometheus metrics, on the management listener only.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, WebError> {
    let text = state.auth.metrics_text().await?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// Liveness: the process answers. Restarting it would not help a database outage.
pub async fn liveness() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

pub async fn waiting_script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/waiting.js"),
    )
        .into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/healthz", get(public_readiness))
        .route("/static/app.css", get(stylesheet))
        .route("/static/waiting.js", get(waiting_script))
}

/// The management listener's routes.
pub fn management_router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/healthz", get(readiness))
        .route("/healthz/ready", get(readiness))
        .route("/healthz/live", get(liveness))
        .route("/metrics", get(metrics))
}
