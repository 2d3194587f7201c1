//! HTTP: routes, extractors, pages. The only layer that knows status codes.

mod acceptor;
mod access;
mod access_log;
mod admin;
mod api;
mod app_origin;
mod captcha;
mod context;
mod cors;
mod error;
mod form;
mod helpdesk_log;
mod home;
mod login;
mod middleware;
mod oidc;
mod ops;
mod page;
mod password;
mod password_link;
mod pow;
mod ran_out;
mod refusal;
mod reset;
mod streams;
mod totp;
mod totp_off;
mod waiting;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use spse_usecases::Auth;

pub use app_origin::app_router;
pub use context::CookieNames;
pub use streams::{STREAMS_PER_SESSION, StreamCounter};

/// Largest request body: every form here is a few fields.
const BODY_LIMIT: usize = 16 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What handlers reach through `State`.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Auth>,
    pub web: Arc<WebSettings>,
    /// The event streams of waiting pages open on this instance.
    pub streams: Arc<StreamCounter>,
}

/// Settings of the web layer, fixed at start.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub cookies: CookieNames,
    /// `scheme://host[:port]` of PUBLIC_URL, what a same-origin form post carries.
    pub public_origin: String,
    /// APP_URL: where the SPSE Authenticator web app is served.
    pub app_url: String,
    /// The origins whose app may call the signed API by CORS: the app's own and the
    /// other LPSEs' (APP_PEER_ORIGINS).
    pub app_origins: Vec<String>,
    pub https: bool,
    pub demo: bool,
    pub issuer: String,
    /// The zone times are shown in.
    pub zone: spse_domain::zone::Zone,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(home::router())
        .merge(login::router())
        .merge(totp::router())
        .merge(access_log::router())
        .merge(password::router())
        .merge(helpdesk_log::router())
        .merge(acceptor::router())
        .merge(totp_off::router())
        .merge(reset::router())
        .merge(password_link::router())
        .merge(captcha::router())
        .merge(pow::router())
        .merge(admin::router())
        .merge(ops::router())
        .merge(api::router())
        .merge(waiting::router())
        .merge(oidc::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            track_requests,
        ))
        .fallback(ops::not_found)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::browser_context,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The management listener: `/metrics` and the health checks in detail, for operators
/// and their monitoring only (127.0.0.1 by default). No browser middleware: no pages,
/// cookies or forms are served here, and its requests are not counted in the metrics.
pub fn management_router(state: AppState) -> Router {
    ops::management_router()
        .fallback(ops::not_found)
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Counts each routed request and times it to its response head, by route pattern (not
/// by path, so user IDs and approval ids never become labels).
async fn track_requests(
    axum::extract::State(state): axum::extract::State<AppState>,
    matched: Option<axum::extract::MatchedPath>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = matched.map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state.auth.metrics().request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
