//! What every browser request passes through: the language and CSRF token set up, the
//! Origin check, security headers, and error pages rendered in the right language.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::context::{Context, query_without_lang, read_cookie};
use super::error::{ErrorPage, WebError};
use super::page::{Chrome, render_message};
use spse_domain::token;
use spse_i18n::Lang;

fn query_lang(request: &Request) -> Option<Lang> {
    let query = request.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// A state-changing request from another site: refused before any handler runs.
/// Browsers send `Sec-Fetch-Site`, which pages cannot forge; where present it decides.
/// Otherwise `Origin`, where present, must be ours. (`Origin` alone is not enough: a page
/// sent with `Referrer-Policy: no-referrer`, like the reset pages, posts `Origin: null`.)
fn cross_site(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin != public_origin,
        None => false,
    }
}

pub async fn browser_context(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // The authenticator API is signed per request, and the OpenID endpoints for modules
    // and SCIM provisioning authenticate their clients: no cookies, no CSRF, JSON errors.
    // Only the former answers the app's origin by CORS.
    let path = request.uri().path();
    let authenticator_api = path.starts_with("/api/");
    let scim =
        path == super::scim::PREFIX || path.starts_with(&format!("{}/", super::scim::PREFIX));
    if authenticator_api || scim || super::oidc::API_PATHS.contains(&path) {
        let mut response = if authenticator_api {
            super::cors::api(&state, request, next).await
        } else if scim {
            super::scim::in_scim_format(next.run(request).await)
        } else {
            next.run(request).await
        };
        security_headers(response.headers_mut(), state.web.https);
        return response;
    }
    let cookies = &state.web.cookies;
    let asked_lang = query_lang(&request);
    let lang = asked_lang
        .or_else(|| read_cookie(request.headers(), &cookies.lang).and_then(|v| Lang::parse(&v)))
        .unwrap_or_default();
    let existing_csrf = read_cookie(request.headers(), &cookies.csrf)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let new_csrf = existing_csrf.is_none().then(|| token::random_hex(32));
    let csrf = existing_csrf
        .or_else(|| new_csrf.clone())
        .unwrap_or_default();
    let kept_query = query_without_lang(request.uri().query());
    let context = Context {
        lang,
        csrf,
        kept_query,
    };

    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut response = if unsafe_method && cross_site(request.headers(), &state.web.public_origin) {
        tracing::warn!(path = %request.uri().path(), "cross-site form post refused");
        WebError::Forbidden.into_response()
    } else {
        request.extensions_mut().insert(context.clone());
        next.run(request).await
    };

    if let Some(page) = response.extensions().get::<ErrorPage>().cloned() {
        *response.body_mut() = render_message(&Chrome::new(&state, &context, false), &page).into();
        set_html(response.headers_mut());
    } else if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let status = response.status();
        response = WebError::TooLarge.into_response();
        *response.status_mut() = status;
        *response.body_mut() = render_message(
            &Chrome::new(&state, &context, false),
            &ErrorPage::too_large(),
        )
        .into();
        set_html(response.headers_mut());
    }
    let headers = response.headers_mut();
    if let Some(token) = new_csrf {
        headers.append(header::SET_COOKIE, cookies.set(&cookies.csrf, &token, None));
    }
    if let Some(lang) = asked_lang {
        headers.append(
            header::SET_COOKIE,
            cookies.set(&cookies.lang, lang.code(), Some(365 * 86_400)),
        );
    }
    security_headers(headers, state.web.https);
    response
}

fn set_html(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.remove(header::CONTENT_LENGTH);
}

/// CSP without inline script, no framing, no sniffing, no caching of personal pages.
fn security_headers(headers: &mut HeaderMap, https: bool) {
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
