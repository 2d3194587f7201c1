//! When sessions end, their tokens end (a token is good only while its session row
//! exists), their grants are revoked, and the modules that registered a back-channel
//! logout URI are told (OpenID Connect Back-Channel Logout 1.0) by a background worker:
//! ending a session never waits on a module. RP-initiated logout is here too.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use spse_domain::token;
use url::Url;

use super::OidcError;
use crate::Auth;

/// How long a logout token is valid: it is sent at once, and retried with a fresh one.
const LOGOUT_TOKEN_SECS: i64 = 120;
/// Attempts before a logout is given up (spread over some hours).
const MAX_ATTEMPTS: i64 = 8;
/// How often the worker looks for ended sessions even when not woken (sessions that
/// expired, or ended by the command line in another process).
pub const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Delivers a logout token to a module: an HTTP POST of `logout_token=...`.
#[async_trait]
pub trait LogoutSender: Send + Sync {
    /// `Ok` when the module answered 200 (or 204).
    async fn send(&self, uri: &str, logout_token: &str) -> Result<(), String>;
}

/// An RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0).
#[derive(Debug, Clone, Default)]
pub struct EndSessionParams {
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

#[derive(Deserialize)]
struct HintClaims {
    aud: serde_json::Value,
}

impl Auth {
    /// Called after anything that may have ended sessions: the worker revokes their
    /// grants and tells the modules, without holding up this request.
    pub fn sessions_ended(&self) {
        self.logout_wakeup.notify_one();
    }

    /// Revokes the grants of ended sessions and queues their back-channel logouts.
    pub async fn end_orphaned_grants(&self) -> Result<u64, OidcError> {
        Ok(self.store.end_orphaned_grants(None, self.now()).await?)
    }

    /// Sends the logouts that are due; how many were delivered.
    pub async fn send_due_logouts(&self, sender: &dyn LogoutSender) -> Result<usize, OidcError> {
        let now = self.now();
        let mut delivered = 0;
        for logout in self.store.due_logouts(now, 50).await? {
            let client = self.store.client(&logout.client_id).await?;
            let Some(uri) = client.and_then(|c| c.backchannel_logout_uri) else {
                self.store
                    .logout_done(&logout.client_id, &logout.sid)
                    .await?;
                continue;
            };
            let user = self.store.user_by_pk(logout.user_pk).await?;
            let mut claims = serde_json::Map::new();
            claims.insert("iss".into(), json!(self.issuer()));
            claims.insert("aud".into(), json!(logout.client_id));
            claims.insert("iat".into(), json!(now));
            claims.insert("exp".into(), json!(now + LOGOUT_TOKEN_SECS));
            claims.insert("jti".into(), json!(token::random_hex(16)));
            claims.insert("sid".into(), json!(logout.sid));
            if let Some(user) = &user {
                claims.insert("sub".into(), json!(self.subject_of(user)));
            }
            claims.insert(
                "events".into(),
                json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
            );
            let jwt = self.sign(&claims, "logout+jwt").await?;
            match sender.send(&uri, &jwt).await {
                Ok(()) => {
                    self.store
                        .logout_done(&logout.client_id, &logout.sid)
                        .await?;
                    delivered += 1;
                }
                Err(why) if logout.attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::warn!(client_id = %logout.client_id, error = %why, "back-channel logout given up");
                    self.store
                        .logout_done(&logout.client_id, &logout.sid)
                        .await?;
                }
                Err(why) => {
                    tracing::warn!(client_id = %logout.client_id, error = %why, "back-channel logout failed; retried later");
                    let wait = 30 * (1_i64 << logout.attempts.clamp(0, 10));
                    self.store
                        .logout_failed(&logout.client_id, &logout.sid, now + wait)
                        .await?;
                }
            }
        }
        Ok(delivered)
    }

    /// Runs until the process stops: on each wake-up (or every [`SWEEP_EVERY`]) ends
    /// the grants of ended sessions and sends the due logouts.
    pub async fn run_logout_worker(&self, sender: &dyn LogoutSender) {
        loop {
            tokio::select! {
                () = self.logout_wakeup.notified() => {}
                () = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            if let Err(e) = self.end_orphaned_grants().await {
                tracing::warn!(error = %e, "ended sessions: grants not revoked yet");
                continue;
            }
            if let Err(e) = self.send_due_logouts(sender).await {
                tracing::warn!(error = %e, "back-channel logouts not sent yet");
            }
            let now = self.now();
            if let Err(e) = self.store.delete_stale_grants(now, now - 86_400).await {
                tracing::warn!(error = %e, "stale grants not removed");
            }
        }
    }

    /// Where an RP-initiated logout sends the browser afterwards: the client's
    /// `post_logout_redirect_uri` (with `state`) when it is registered for the client,
    /// as a redirect URI or its home URL; `None` for our own home page. `Err` (a page,
    /// never a redirect) for a URI that is not registered or a client that cannot be
    /// told from the request.
    pub async fn end_session_target(
        &self,
        params: &EndSessionParams,
    ) -> Result<Option<Url>, OidcError> {
        let hinted: Option<String> = match params.id_token_hint.as_deref() {
            None => None,
            Some(jwt) => {
                let claims: HintClaims = self
                    .verify_own(jwt)
                    .await?
                    .ok_or(OidcError::InvalidRequest("id_token_hint is not ours"))?;
                match claims.aud {
                    serde_json::Value::String(aud) => Some(aud),
                    serde_json::Value::Array(list) => {
                        list.first().and_then(|v| v.as_str()).map(str::to_string)
                    }
                    _ => None,
                }
            }
        };
        if let (Some(hinted), Some(given)) = (&hinted, &params.client_id)
            && hinted != given
        {
            return Err(OidcError::InvalidRequest(
                "client_id does not match the hint",
            ));
        }
        let Some(uri) = params.post_logout_redirect_uri.as_deref() else {
            return Ok(None);
        };
        let client_id = hinted
            .or_else(|| params.client_id.clone())
            .ok_or(OidcError::UnknownClient)?;
        let client = self
            .store
            .client(&client_id)
            .await?
            .ok_or(OidcError::UnknownClient)?;
        let registered = client.redirect_uris.iter().any(|r| r == uri)
            || client.home_url.as_deref() == Some(uri);
        if !registered {
            return Err(OidcError::UnregisteredRedirectUri);
        }
        let mut url = Url::parse(uri).map_err(|_| OidcError::UnregisteredRedirectUri)?;
        if let Some(state) = &params.state {
            url.query_pairs_mut().append_pair("state", state);
        }
        Ok(Some(url))
    }

    /// The modules with a home URL, for the BERANDA.
    pub async fn modules(&self) -> Result<Vec<(String, String)>, OidcError> {
        Ok(self
            .store
            .list_clients()
            .await?
            .into_iter()
            .filter_map(|c| c.home_url.map(|url| (c.name, url)))
            .collect())
    }
}
