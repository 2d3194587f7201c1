//! The authorization endpoint: the code flow with PKCE (S256 only). A browser without a
//! full session is sent through the existing login steps and comes back here; a
//! half-open session (the password only) never gets a code.

use spse_domain::token;
use spse_store::{ClientRecord, CodeRecord, GrantRecord};
use url::Url;

use super::OidcError;
use crate::{Auth, SignedIn};

/// Longest `state`, `nonce` and `login_hint` taken, well over what clients send.
const MAX_STATE: usize = 1024;
const MAX_HINT: usize = 64;
/// Scopes this provider knows; others are ignored (RFC 6749 3.3).
const KNOWN_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// The authorization request's parameters, each given at most once (RFC 6749 3.1).
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    /// `request` or `request_uri`: request objects are not supported.
    pub request_object: bool,
}

impl AuthorizeParams {
    /// From the query's pairs; `Err` when a parameter is repeated.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, OidcError> {
        let mut params = Self::default();
        for (i, (key, value)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(k, _)| k == key) {
                return Err(OidcError::InvalidRequest("a parameter is repeated"));
            }
            let slot = match key.as_str() {
                "response_type" => &mut params.response_type,
                "client_id" => &mut params.client_id,
                "redirect_uri" => &mut params.redirect_uri,
                "scope" => &mut params.scope,
                "state" => &mut params.state,
                "nonce" => &mut params.nonce,
                "code_challenge" => &mut params.code_challenge,
                "code_challenge_method" => &mut params.code_challenge_method,
                "prompt" => &mut params.prompt,
                "max_age" => &mut params.max_age,
                "login_hint" => &mut params.login_hint,
                "request" | "request_uri" => {
                    params.request_object = true;
                    continue;
                }
                _ => continue,
            };
            *slot = Some(value.clone());
        }
        Ok(params)
    }
}

/// Where a login started for an authorization request must come back to: when it was
/// asked and which session (if any) the browser had then. A login counts as fresh for
/// the request only in another session, completed after the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub requested_at: i64,
    pub previous_session: String,
}

/// What the browser is sent to next.
#[derive(Debug, Clone)]
pub enum Authorized {
    /// To the client's redirect URI, with a code or an `error`.
    Redirect(Url),
    /// Through the login first, then back to the same request.
    Login {
        login_hint: Option<String>,
        resume: Resume,
    },
}

/// A request whose client and redirect URI are known: errors from here on go back to
/// the client.
struct Checked {
    client: ClientRecord,
    redirect_uri: String,
    state: Option<String>,
}

impl Checked {
    fn redirect(&self, pairs: &[(&str, &str)], issuer: &str) -> Result<Url, OidcError> {
        let mut url =
            Url::parse(&self.redirect_uri).map_err(|_| OidcError::UnregisteredRedirectUri)?;
        {
            let mut query = url.query_pairs_mut();
            for (k, v) in pairs {
                query.append_pair(k, v);
            }
            if let Some(state) = &self.state {
                query.append_pair("state", state);
            }
            // RFC 9207: the client can tell which provider answered.
            query.append_pair("iss", issuer);
        }
        Ok(url)
    }

    fn error(&self, e: &OidcError, issuer: &str) -> Result<Authorized, OidcError> {
        let mut pairs = vec![("error", e.code())];
        if let Some(description) = e.description() {
            pairs.push(("error_description", description));
        }
        Ok(Authorized::Redirect(self.redirect(&pairs, issuer)?))
    }
}

/// The short tag of a session that [`Resume`] keeps: a prefix of its stored hash.
pub fn session_tag(session: Option<&crate::Session>) -> String {
    session.map_or_else(|| "-".to_string(), |s| s.wait_key()[..16].to_string())
}

fn base64url_sha256(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Whether `verifier` (RFC 7636 4.1: 43 to 128 unreserved characters) hashes to
/// `challenge` under S256.
pub(crate) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed && token::equal(&base64url_sha256(verifier), challenge)
}

fn well_formed_challenge(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

impl Auth {
    /// The authorization endpoint. `Err` is for a page, never a redirect: an unknown
    /// client, a redirect URI not registered for it, or the server failing.
    pub async fn authorize(
        &self,
        params: &AuthorizeParams,
        signed_in: Option<&SignedIn>,
        current: Option<&crate::Session>,
        resume: Option<&Resume>,
    ) -> Result<Authorized, OidcError> {
        let client_id = params
            .client_id
            .as_deref()
            .ok_or(OidcError::UnknownClient)?;
        let client = match self.store.client(client_id).await? {
            Some(client) => client,
            None => return Err(OidcError::UnknownClient),
        };
        let redirect_uri = params
            .redirect_uri
            .as_deref()
            .filter(|uri| client.redirect_uris.iter().any(|r| r == uri))
            .ok_or(OidcError::UnregisteredRedirectUri)?
            .to_string();
        let checked = Checked {
            client,
            redirect_uri,
            state: params.state.clone().filter(|s| s.len() <= MAX_STATE),
        };
        let issuer = self.issuer();
        match self.check_request(params) {
            Ok(()) => {}
            Err(e) => return checked.error(&e, &issuer),
        }
        let prompts: Vec<&str> = params
            .prompt
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect();
        let prompt_none = prompts.contains(&"none");
        let max_age: Option<i64> = match params.max_age.as_deref() {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(secs) if secs >= 0 => Some(secs),
                _ => {
                    return checked
                        .error(&OidcError::InvalidRequest("max_age is not valid"), &issuer);
                }
            },
        };
        let must_be_fresh = prompts.contains(&"login") || max_age == Some(0);
        let now = self.now();
        let login = || Authorized::Login {
            login_hint: params
                .login_hint
                .clone()
                .filter(|h| h.len() <= MAX_HINT && !h.chars().any(char::is_control)),
            resume: Resume {
                requested_at: now,
                previous_session: session_tag(current),
            },
        };
        let Some(signed_in) = signed_in else {
            if prompt_none {
                return checked.error(&OidcError::LoginRequired, &issuer);
            }
            return Ok(login());
        };
        let session = signed_in.record();
        let fresh_here = resume.is_some_and(|r| {
            r.previous_session != session_tag(Some(signed_in.session()))
                && session.created_at >= r.requested_at
        });
        let too_old = max_age.is_some_and(|secs| now - session.created_at > secs);
        if !fresh_here && (must_be_fresh || too_old) {
            if prompt_none {
                return checked.error(&OidcError::LoginRequired, &issuer);
            }
            return Ok(login());
        }
        let code = self.issue_code(&checked, params, signed_in).await?;
        Ok(Authorized::Redirect(
            checked.redirect(&[("code", &code)], &issuer)?,
        ))
    }

    fn check_request(&self, params: &AuthorizeParams) -> Result<(), OidcError> {
        if params.request_object {
            return Err(OidcError::RequestNotSupported);
        }
        if params.response_type.as_deref() != Some("code") {
            return Err(OidcError::UnsupportedResponseType);
        }
        let scope = params.scope.as_deref().unwrap_or("");
        if !scope.split(' ').any(|s| s == "openid") {
            return Err(OidcError::InvalidScope);
        }
        let Some(challenge) = params.code_challenge.as_deref() else {
            return Err(OidcError::InvalidRequest(
                "PKCE is required: code_challenge with S256",
            ));
        };
        if params.code_challenge_method.as_deref() != Some("S256") {
            return Err(OidcError::InvalidRequest(
                "code_challenge_method must be S256",
            ));
        }
        if !well_formed_challenge(challenge) {
            return Err(OidcError::InvalidRequest("code_challenge is not valid"));
        }
        if params.state.as_deref().is_some_and(|s| s.len() > MAX_STATE)
            || params.nonce.as_deref().is_some_and(|n| n.len() > MAX_STATE)
        {
            return Err(OidcError::InvalidRequest("state or nonce too long"));
        }
        let prompt = params.prompt.as_deref().unwrap_or("");
        if prompt.split(' ').any(|p| p == "none") && prompt.split(' ').any(|p| p == "login") {
            return Err(OidcError::InvalidRequest("prompt=none with another prompt"));
        }
        Ok(())
    }

    async fn issue_code(
        &self,
        checked: &Checked,
        params: &AuthorizeParams,
        signed_in: &SignedIn,
    ) -> Result<String, OidcError> {
        let session = signed_in.record();
        let user = signed_in.user();
        let now = self.now();
        let scope: Vec<&str> = params
            .scope
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|s| KNOWN_SCOPES.contains(s))
            .collect();
        let grant = GrantRecord {
            id: token::random_hex(16),
            client_id: checked.client.client_id.clone(),
            user_pk: user.pk,
            session_hash: session.id_hash.as_str().to_string(),
            sid: self.sid_of(session.id_hash.as_str()),
            scope: scope.join(" "),
            nonce: params.nonce.clone(),
            auth_time: session.created_at,
            amr: session.amr.clone(),
            created_at: now,
            revoked_at: None,
        };
        let code = token::random_hex(32);
        let record = CodeRecord {
            code_hash: token::hash(&code),
            grant_id: grant.id.clone(),
            redirect_uri: checked.redirect_uri.clone(),
            code_challenge: params.code_challenge.clone().unwrap_or_default(),
            expires_at: now + self.oidc_policy().code_secs,
            used_at: None,
        };
        self.store.insert_grant(&grant, &record).await?;
        Ok(code)
    }

    /// The `sid` the modules see for a session: derived with the key file from the
    /// session's stored hash, so it names the session without opening it.
    pub(crate) fn sid_of(&self, session_hash: &str) -> String {
        self.secrets
            .keyed_hash(b"oidc sid", session_hash.as_bytes())[..32]
            .to_string()
    }

    /// The `sub` of an account: stable, opaque, and never another account's (the row's
    /// key and creation time, under a key derived from the key file).
    pub(crate) fn subject_of(&self, user: &spse_store::UserRecord) -> String {
        let id = format!("{}:{}", user.pk, user.created_at);
        self.secrets.keyed_hash(b"oidc sub", id.as_bytes())[..32].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX",
            challenge
        ));
        assert!(!pkce_matches(challenge, challenge));
        assert!(!pkce_matches("short", &base64url_sha256("short")));
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        let pairs = vec![
            ("client_id".to_string(), "a".to_string()),
            ("client_id".to_string(), "b".to_string()),
        ];
        assert!(AuthorizeParams::from_pairs(&pairs).is_err());
    }
}
