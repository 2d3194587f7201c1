//! The SPSE Authenticator web app, served on its own origin (APP_LISTEN / APP_URL) and
//! nothing else there: its device keys and TOTP secrets live in that origin's storage,
//! out of reach of any script that might run on the login pages' origin. The files are
//! embedded in the binary; the app needs no build step.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file of the app.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!(concat!("../static/authenticator", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

const ASSETS: &[Asset] = &[
    asset!("/index.html", "text/html; charset=utf-8"),
    asset!("/app.css", "text/css; charset=utf-8"),
    asset!("/manifest.webmanifest", "application/manifest+json"),
    asset!("/sw.js", JS),
    asset!("/icon.svg", "image/svg+xml"),
    asset!("/icon-192.png", "image/png"),
    asset!("/icon-512.png", "image/png"),
    asset!("/js/main.js", JS),
    asset!("/js/strings.js", JS),
    asset!("/js/totp.js", JS),
    asset!("/js/otpauth.js", JS),
    asset!("/js/signing.js", JS),
    asset!("/js/db.js", JS),
    asset!("/js/dom.js", JS),
    asset!("/js/api.js", JS),
    asset!("/js/scan.js", JS),
    asset!("/js/accounts.js", JS),
    asset!("/js/pending.js", JS),
    asset!("/vendor/jsqr/jsQR.js", JS),
    asset!("/vendor/jsqr/LICENSE", "text/plain; charset=utf-8"),
    asset!("/vendor/jsqr/VERSION", "text/plain; charset=utf-8"),
];

/// Headers fixed at start: the CSP names the servers the app may call.
#[derive(Clone)]
struct AppHeaders {
    csp: HeaderValue,
    https: bool,
}

/// The app origin's router. `public_origin` is this LPSE's login origin (the API the
/// app calls first); other LPSEs are reached over https. On a development machine
/// (`loopback`), plain http to localhost is allowed too.
pub fn app_router(public_origin: &str, https: bool, loopback: bool) -> Router {
    let local = if loopback {
        " http://127.0.0.1:* http://localhost:*"
    } else {
        ""
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' blob: mediastream:; connect-src 'self' {public_origin} https:{local}; \
         manifest-src 'self'; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    );
    let headers = AppHeaders {
        csp: HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'none'")),
        https,
    };
    Router::new().fallback(serve).with_state(headers)
}

async fn serve(State(headers): State<AppHeaders>, request: Request) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = match request.uri().path() {
        "/" => "/index.html",
        other => other,
    };
    let mut response = match ASSETS.iter().find(|a| a.path == path) {
        Some(asset) => ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Not found",
        )
            .into_response(),
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, headers.csp.clone());
    // Always revalidated: the service worker keeps the app for offline use, and a new
    // version reaches phones at the next start.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if headers.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}
