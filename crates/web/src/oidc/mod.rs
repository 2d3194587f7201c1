//! The OpenID Provider's routes: discovery, JWKS, authorization, token, userinfo,
//! revocation and end session. The rules are `spse_usecases::oidc`'s.

mod authorize;
mod logout;
mod token;

use axum::Json;
use axum::extract::State;
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::AppState;
use super::error::WebError;

pub use authorize::resume_location;

/// Paths answered as an API (JSON, no cookies, no CSRF form check): modules' servers
/// call them, not browsers filling in forms.
pub const API_PATHS: &[&str] = &[
    "/.well-known/openid-configuration",
    "/oauth2/jwks",
    "/oauth2/token",
    "/oauth2/userinfo",
    "/oauth2/revoke",
];

/// Public, the same for everyone: any origin may read it, and it may be cached a while.
fn public_json(body: serde_json::Value) -> Response {
    (
        [
            (ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        Json(body),
    )
        .into_response()
}

async fn discovery(State(state): State<AppState>) -> Response {
    let issuer = state.auth.issuer();
    public_json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userinfo"),
        "jwks_uri": format!("{issuer}/oauth2/jwks"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "end_session_endpoint": format!("{issuer}/oauth2/logout"),
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "azp",
            "preferred_username", "name", "email", spse_usecases::oidc::KIND_CLAIM
        ],
        "acr_values_supported": ["urn:spse:acr:pwd+otp", "urn:spse:acr:pwd+app", "urn:spse:acr:pwd"],
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false
    }))
}

async fn jwks(State(state): State<AppState>) -> Result<Response, WebError> {
    let set = state.auth.jwks().await?;
    let body = serde_json::to_value(&set).map_err(|_| WebError::Internal)?;
    Ok(public_json(body))
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/jwks", get(jwks))
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/oauth2/token", post(token::token))
        .route(
            "/oauth2/userinfo",
            get(token::userinfo).post(token::userinfo),
        )
        .route("/oauth2/revoke", post(token::revoke))
        .route("/oauth2/logout", get(logout::confirm).post(logout::end))
}
