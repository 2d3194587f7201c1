//! The token endpoint (authorization code, refresh with rotation), userinfo, revocation
//! (RFC 7009) and what RP-initiated logout checks.

use serde::Serialize;
use serde_json::{Map, Value, json};
use spse_domain::session::{AMR_APP, AMR_CODE};
use spse_domain::token;
use spse_store::{ClientRecord, GrantRecord, Redeemed, SessionRecord, TokenKind, TokenRecord};

use super::authorize::pkce_matches;
use super::{KIND_CLAIM, OidcError};
use crate::Auth;

/// How the client said who it is at the token or revocation endpoint.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    /// From the `Authorization: Basic` header (RFC 6749 2.3.1), already decoded.
    pub basic: Option<(String, String)>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The token request's parameters.
#[derive(Debug, Clone, Default)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// The token response (RFC 6749 5.1, OpenID Connect Core 3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub id_token: String,
    pub scope: String,
}

/// What the client is told about the account, by scope.
fn account_claims(auth: &Auth, user: &spse_store::UserRecord, scope: &str) -> Map<String, Value> {
    let has = |s: &str| scope.split(' ').any(|x| x == s);
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(auth.subject_of(user)));
    claims.insert("preferred_username".into(), json!(user.user_id.as_str()));
    claims.insert(KIND_CLAIM.into(), json!(user.kind.as_str()));
    if has("profile") {
        claims.insert("name".into(), json!(user.name));
    }
    if has("email") {
        claims.insert("email".into(), json!(user.email));
    }
    claims
}

/// The `acr` for how the login was proven: the password alone, with a TOTP code, or
/// with an approval in the app.
fn acr_of(amr: &str) -> &'static str {
    match amr {
        AMR_CODE => "urn:spse:acr:pwd+otp",
        AMR_APP => "urn:spse:acr:pwd+app",
        _ => "urn:spse:acr:pwd",
    }
}

impl Auth {
    /// The client a token or revocation request comes from, authenticated: a
    /// confidential client by its secret (Basic or in the body, not both), a public one
    /// by its id alone.
    pub async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<ClientRecord, OidcError> {
        let (client_id, secret) = match (&credentials.basic, &credentials.client_secret) {
            (Some(_), Some(_)) => {
                return Err(OidcError::InvalidRequest(
                    "more than one client authentication method",
                ));
            }
            (Some((id, secret)), None) => {
                if credentials
                    .client_id
                    .as_ref()
                    .is_some_and(|body| body != id)
                {
                    return Err(OidcError::InvalidClient);
                }
                (id.clone(), Some(secret.clone()))
            }
            (None, secret) => (
                credentials
                    .client_id
                    .clone()
                    .ok_or(OidcError::InvalidClient)?,
                secret.clone(),
            ),
        };
        let client = self
            .store
            .client(&client_id)
            .await?
            .ok_or(OidcError::InvalidClient)?;
        match (&client.secret_hash, secret) {
            (Some(hash), Some(secret)) => {
                let presented = self
                    .secrets
                    .keyed_hash(super::clients::SECRET_CONTEXT, secret.as_bytes());
                if !token::equal(&presented, hash) {
                    return Err(OidcError::InvalidClient);
                }
            }
            (None, None) => {}
            _ => return Err(OidcError::InvalidClient),
        }
        Ok(client)
    }

    /// The session a grant came from, if it is still live.
    async fn grant_session(&self, grant: &GrantRecord) -> Result<Option<SessionRecord>, OidcError> {
        let hash = spse_domain::secret::SessionHash::from_stored(grant.session_hash.clone());
        let Some(session) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        if !self
            .policy
            .timeouts
            .is_live(session.last_seen_at, session.expires_at, now)
        {
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// The token endpoint.
    pub async fn exchange(
        &self,
        credentials: &ClientCredentials,
        params: &TokenParams,
    ) -> Result<TokenResponse, OidcError> {
        let client = self.authenticate_client(credentials).await?;
        match params.grant_type.as_deref() {
            Some("authorization_code") => self.redeem_code(&client, params).await,
            Some("refresh_token") => self.refresh(&client, params).await,
            Some(_) => Err(OidcError::UnsupportedGrantType),
            None => Err(OidcError::InvalidRequest("grant_type is missing")),
        }
    }

    async fn redeem_code(
        &self,
        client: &ClientRecord,
        params: &TokenParams,
    ) -> Result<TokenResponse, OidcError> {
        let code = params
            .code
            .as_deref()
            .ok_or(OidcError::InvalidRequest("code is missing"))?;
        let now = self.now();
        let code = match self.store.use_code(&token::hash(code), now).await? {
            Redeemed::Fresh(code) => code,
            Redeemed::Replayed => {
                tracing::warn!(client_id = %client.client_id, "authorization code presented again; its tokens revoked");
                return Err(OidcError::InvalidGrant("code already used"));
            }
            Redeemed::Unknown => return Err(OidcError::InvalidGrant("unknown code")),
        };
        let grant = self
            .store
            .live_grant(&code.grant_id)
            .await?
            .ok_or(OidcError::InvalidGrant(
                "the login this code came from has ended",
            ))?;
        if grant.client_id != client.client_id {
            self.store.revoke_grant(&grant.id, now).await?;
            return Err(OidcError::InvalidGrant("code issued to another client"));
        }
        if now >= code.expires_at {
            self.store.revoke_grant(&grant.id, now).await?;
            return Err(OidcError::InvalidGrant("code expired"));
        }
        if params.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
            self.store.revoke_grant(&grant.id, now).await?;
            return Err(OidcError::InvalidGrant("redirect_uri does not match"));
        }
        let verifier = params.code_verifier.as_deref().unwrap_or("");
        if !pkce_matches(verifier, &code.code_challenge) {
            self.store.revoke_grant(&grant.id, now).await?;
            return Err(OidcError::InvalidGrant("code_verifier does not match"));
        }
        let session = self
            .grant_session(&grant)
            .await?
            .ok_or(OidcError::InvalidGrant(
                "the login this code came from has ended",
            ))?;
        self.issue_tokens(&grant, &session, true).await
    }

    async fn refresh(
        &self,
        client: &ClientRecord,
        params: &TokenParams,
    ) -> Result<TokenResponse, OidcError> {
        let presented = params
            .refresh_token
            .as_deref()
            .ok_or(OidcError::InvalidRequest("refresh_token is missing"))?;
        let now = self.now();
        let old = match self
            .store
            .use_refresh_token(&token::hash(presented), now)
            .await?
        {
            Redeemed::Fresh(token) => token,
            Redeemed::Replayed => {
                tracing::warn!(client_id = %client.client_id, "rotated refresh token presented again; its family revoked");
                return Err(OidcError::InvalidGrant("refresh token already used"));
            }
            Redeemed::Unknown => return Err(OidcError::InvalidGrant("unknown refresh token")),
        };
        let grant = self
            .store
            .live_grant(&old.grant_id)
            .await?
            .ok_or(OidcError::InvalidGrant("the session has ended"))?;
        if grant.client_id != client.client_id {
            self.store.revoke_grant(&grant.id, now).await?;
            return Err(OidcError::InvalidGrant("token issued to another client"));
        }
        if now >= old.expires_at {
            return Err(OidcError::InvalidGrant("refresh token expired"));
        }
        let session = self
            .grant_session(&grant)
            .await?
            .ok_or(OidcError::InvalidGrant("the session has ended"))?;
        // A module in use keeps the login it rests on alive, as the browser would.
        self.store.touch_session(&session.id_hash, now).await?;
        self.issue_tokens(&grant, &session, false).await
    }

    async fn issue_tokens(
        &self,
        grant: &GrantRecord,
        session: &SessionRecord,
        with_nonce: bool,
    ) -> Result<TokenResponse, OidcError> {
        let user = self
            .store
            .user_by_pk(grant.user_pk)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(OidcError::InvalidGrant("the account is not active"))?;
        let now = self.now();
        let policy = *self.oidc_policy();
        let access_expires = (now + policy.access_token_secs).min(session.expires_at);
        let access = token::random_hex(32);
        let refresh = token::random_hex(32);
        for (value, kind, expires_at) in [
            (&access, TokenKind::Access, access_expires),
            (&refresh, TokenKind::Refresh, session.expires_at),
        ] {
            self.store
                .insert_token(&TokenRecord {
                    token_hash: token::hash(value),
                    grant_id: grant.id.clone(),
                    kind,
                    expires_at,
                    used_at: None,
                })
                .await?;
        }
        let mut claims = account_claims(self, &user, &grant.scope);
        claims.insert("iss".into(), json!(self.issuer()));
        claims.insert("aud".into(), json!(grant.client_id));
        claims.insert("azp".into(), json!(grant.client_id));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + policy.id_token_secs));
        claims.insert("auth_time".into(), json!(grant.auth_time));
        claims.insert("sid".into(), json!(grant.sid));
        claims.insert(
            "amr".into(),
            json!(
                grant
                    .amr
                    .split(' ')
                    .filter(|m| !m.is_empty())
                    .collect::<Vec<_>>()
            ),
        );
        claims.insert("acr".into(), json!(acr_of(&grant.amr)));
        if with_nonce && let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        let id_token = self.sign(&claims, "JWT").await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: access_expires - now,
            refresh_token: refresh,
            id_token,
            scope: grant.scope.clone(),
        })
    }

    /// The userinfo endpoint: the account's claims for a live access token.
    pub async fn userinfo(&self, access_token: &str) -> Result<Map<String, Value>, OidcError> {
        let now = self.now();
        let token = self
            .store
            .token(&token::hash(access_token))
            .await?
            .filter(|t| t.kind == TokenKind::Access && now < t.expires_at)
            .ok_or(OidcError::InvalidToken)?;
        let grant = self
            .store
            .live_grant(&token.grant_id)
            .await?
            .ok_or(OidcError::InvalidToken)?;
        self.grant_session(&grant)
            .await?
            .ok_or(OidcError::InvalidToken)?;
        let user = self
            .store
            .user_by_pk(grant.user_pk)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(OidcError::InvalidToken)?;
        Ok(account_claims(self, &user, &grant.scope))
    }

    /// Revocation (RFC 7009): a refresh token takes its whole grant with it, an access
    /// token only itself. Unknown tokens and other clients' tokens change nothing, and
    /// the answer is the same.
    pub async fn revoke(
        &self,
        credentials: &ClientCredentials,
        presented: &str,
    ) -> Result<(), OidcError> {
        let client = self.authenticate_client(credentials).await?;
        let hash = token::hash(presented);
        let Some(token) = self.store.token(&hash).await? else {
            return Ok(());
        };
        let Some(grant) = self.store.live_grant(&token.grant_id).await? else {
            return Ok(());
        };
        if grant.client_id != client.client_id {
            return Ok(());
        }
        match token.kind {
            TokenKind::Refresh => self.store.revoke_grant(&grant.id, self.now()).await?,
            TokenKind::Access => self.store.delete_token(&hash).await?,
        }
        Ok(())
    }
}
