//! Health, static files, and the fallback.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use spse_usecases::key_check::KeyState;

use super::AppState;
use super::error::WebError;

/// Readiness: 200 when the database answers, its schema is current and it records the
/// key this instance holds, else 503. Load balancers send traffic only to ready instances.
pub async fn readiness(State(state): State<AppState>) -> Response {
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
            ("ok", migrations, found.key)
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            ("unreachable", "unknown", KeyState::Unknown)
        }
    };
    let ready = database == "ok" && migrations == "current" && key == KeyState::Matches;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if ready { "ok" } else { "unavailable" },
        "database": database,
        "migrations": migrations,
        "key": key.as_str(),
    });
    (status, Json(body)).into_response()
}

/// Prometheus metrics. Restrict it at the proxy: it names routes and counts.
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
        .route("/healthz", get(readiness))
        .route("/healthz/ready", get(readiness))
        .route("/healthz/live", get(liveness))
        .route("/metrics", get(metrics))
        .route("/static/app.css", get(stylesheet))
        .route("/static/waiting.js", get(waiting_script))
}
