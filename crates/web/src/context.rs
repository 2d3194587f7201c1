//! Per-request browser context: the language and the CSRF token, and the cookies that
//! carry them. The middleware that sets it up is in `middleware.rs`.

use axum::extract::FromRequestParts;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;

use super::error::WebError;
use spse_i18n::{Lang, Texts};

/// Cookie names: `__Host-` prefixed (and `Secure`) whenever PUBLIC_URL is https; plain
/// names only for plain-http localhost, where browsers refuse the prefix.
#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session: String,
    pub csrf: String,
    pub lang: String,
    /// The activation ticket after a TOTP reset (see `spse_usecases::ActivationTicket`).
    pub activation: String,
    /// Marks a browser that completed a two-factor login (see `spse_usecases`' trusted.rs).
    pub trusted: String,
    /// An authorization request waiting for its login (see `oidc::authorize`).
    pub oidc: String,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(secure: bool) -> Self {
        let prefix = if secure { "__Host-" } else { "" };
        Self {
            session: format!("{prefix}spse_session"),
            csrf: format!("{prefix}spse_csrf"),
            lang: format!("{prefix}spse_lang"),
            activation: format!("{prefix}spse_activation"),
            trusted: format!("{prefix}spse_browser"),
            oidc: format!("{prefix}spse_oidc"),
            secure,
        }
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure on https.
    pub fn set(&self, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
        let mut cookie = cookie::Cookie::build((name.to_string(), value.to_string()))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Lax)
            .secure(self.secure);
        if let Some(seconds) = max_age {
            cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
        }
        HeaderValue::from_str(&cookie.build().to_string()).expect("cookie values are hex or ASCII")
    }
}

/// Reads one cookie from the request headers.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// What every handler may know about the browser.
#[derive(Debug, Clone)]
pub struct Context {
    pub lang: Lang,
    pub csrf: String,
    /// The request's query without `lang`, encoded, so that switching the language keeps
    /// what the address carries (a reset link's token, the account kind chosen).
    pub kept_query: String,
}

impl Context {
    pub fn t(&self) -> Texts {
        Texts::new(self.lang)
    }

    /// The query of a link to this same page in another language.
    pub fn lang_href(&self, lang: Lang) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(url::form_urlencoded::parse(self.kept_query.as_bytes()));
        query.append_pair("lang", lang.code());
        format!("?{}", query.finish())
    }
}

/// The query of `uri` without its `lang` pair.
pub fn query_without_lang(query: Option<&str>) -> String {
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    kept.extend_pairs(
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .filter(|(k, _)| k != "lang"),
    );
    kept.finish()
}

impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Context>()
            .cloned()
            .ok_or(WebError::Internal)
    }
}
