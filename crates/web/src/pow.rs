//! The reset form's alternative to the captcha that is not a cognitive test: a
//! proof-of-work challenge (ALTCHA v1) that `pow.js` solves with WebCrypto, and the
//! form's small scripts. Without JavaScript none of this runs and the captcha stays.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// A fresh challenge, signed and expiring; making it writes nothing.
pub async fn challenge(State(state): State<AppState>) -> Response {
    (
        [(CACHE_CONTROL, "no-store")],
        Json(state.auth.pow_challenge()),
    )
        .into_response()
}

fn script(body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/captcha/pow", get(challenge))
        .route(
            "/static/pow.js",
            get(|| async { script(include_str!("../static/pow.js")) }),
        )
        .route(
            "/static/captcha.js",
            get(|| async { script(include_str!("../static/captcha.js")) }),
        )
        .route(
            "/static/reset-link.js",
            get(|| async { script(include_str!("../static/reset-link.js")) }),
        )
}
