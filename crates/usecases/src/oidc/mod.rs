//! The OpenID Provider: the procurement modules log in through spse-auth. The protocol
//! flow is ours, checked against OpenID Connect Core 1.0, RFC 6749, RFC 7636 (PKCE),
//! RFC 7009 (revocation), RFC 9700 (OAuth 2.0 Security BCP), RP-Initiated and
//! Back-Channel Logout 1.0; the JOSE (signing, keys) is `jsonwebtoken`'s.

pub mod authorize;
pub mod backchannel;
pub mod clients;
pub mod keys;
pub mod token;

use crate::AuthError;
use spse_store::StoreError;

/// Lifetimes of what the provider hands out.
#[derive(Debug, Clone, Copy)]
pub struct OidcPolicy {
    /// An authorization code: short, it travels through the browser.
    pub code_secs: i64,
    pub access_token_secs: i64,
    pub id_token_secs: i64,
}

impl Default for OidcPolicy {
    fn default() -> Self {
        Self {
            code_secs: 60,
            access_token_secs: 600,
            id_token_secs: 600,
        }
    }
}

/// How long a retired signing key stays in the JWKS after the last token it signed has
/// expired, for clients that cache the key set.
pub const KEY_GRACE_SECS: i64 = 3600;

/// The namespaced claim that carries the account kind (`penyedia` or `non-penyedia`).
pub const KIND_CLAIM: &str = "urn:spse:claims:account_kind";

/// Errors as the specifications name them; `web` turns them into redirects, JSON and
/// statuses.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No such client: shown as a page, never a redirect.
    #[error("unknown client")]
    UnknownClient,
    /// A redirect URI that is not registered for the client, or none: a page, never a
    /// redirect.
    #[error("redirect URI not registered")]
    UnregisteredRedirectUri,
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    #[error("unsupported_response_type")]
    UnsupportedResponseType,
    #[error("invalid_scope")]
    InvalidScope,
    #[error("login_required")]
    LoginRequired,
    #[error("request_not_supported")]
    RequestNotSupported,
    /// Client authentication failed (unknown client, wrong or missing secret).
    #[error("invalid_client")]
    InvalidClient,
    #[error("invalid_grant: {0}")]
    InvalidGrant(&'static str),
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// A bearer token that is unknown, expired or whose session ended.
    #[error("invalid_token")]
    InvalidToken,
    #[error("signing: {0}")]
    Signing(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for OidcError {
    fn from(e: StoreError) -> Self {
        Self::Auth(AuthError::Store(e))
    }
}

impl From<crate::secrets::SecretsError> for OidcError {
    fn from(e: crate::secrets::SecretsError) -> Self {
        Self::Auth(AuthError::Secrets(e))
    }
}

impl OidcError {
    /// The `error` code of RFC 6749 and OpenID Connect Core, where one applies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownClient | Self::UnregisteredRedirectUri | Self::InvalidRequest(_) => {
                "invalid_request"
            }
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::LoginRequired => "login_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidToken => "invalid_token",
            Self::Signing(_) | Self::Auth(_) => "server_error",
        }
    }

    /// A description safe to show a client: never an internal cause.
    pub fn description(&self) -> Option<&'static str> {
        match self {
            Self::InvalidRequest(why) | Self::InvalidGrant(why) => Some(why),
            _ => None,
        }
    }
}

/// The issuer identifier: PUBLIC_URL without a trailing slash.
pub fn issuer_of(public_url: &url::Url) -> String {
    public_url.as_str().trim_end_matches('/').to_string()
}

impl crate::Auth {
    pub fn issuer(&self) -> String {
        issuer_of(&self.public_url)
    }

    pub(crate) fn oidc_policy(&self) -> &OidcPolicy {
        &self.policy.oidc
    }
}
