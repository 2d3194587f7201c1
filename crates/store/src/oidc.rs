//! The store's traits for the OpenID Connect provider: the registered clients.

use async_trait::async_trait;

use crate::StoreError;

/// A registered client (relying party) as stored. `secret_hash` is `None` for a public
/// client; it is a keyed hash, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub client_id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub home_url: Option<String>,
    pub created_at: i64,
    pub secret_rotated_at: Option<i64>,
}

/// Registered clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Stores a new client; [`StoreError::Duplicate`] when its id is taken.
    async fn insert_client(&self, client: &ClientRecord) -> Result<(), StoreError>;

    async fn client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError>;

    /// Every client, oldest first.
    async fn list_clients(&self) -> Result<Vec<ClientRecord>, StoreError>;

    /// Removes a client; `false` when there was none.
    async fn delete_client(&self, client_id: &str) -> Result<bool, StoreError>;

    /// Replaces a confidential client's secret hash; `false` when there is no such
    /// confidential client.
    async fn set_client_secret(
        &self,
        client_id: &str,
        secret_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// A signing key as stored: the private half sealed with the key file.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: String,
    pub sealed_private: Vec<u8>,
    /// The public JWK (JSON) the JWKS publishes.
    pub public_jwk: String,
    pub created_at: i64,
    /// When a newer key took over signing; `None` for the key that signs now.
    pub retired_at: Option<i64>,
}

/// The OpenID Provider's signing keys.
#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Adds `key` as the signing key and retires every other unretired one at `now`, in
    /// one transaction.
    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> Result<(), StoreError>;

    /// Adds `key` only if no unretired key exists; `false` when another instance (or
    /// process) got there first.
    async fn add_first_signing_key(&self, key: &SigningKeyRecord) -> Result<bool, StoreError>;

    /// Every key, newest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
}

/// One authorization of one client in one browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: String,
    pub client_id: String,
    pub user_pk: i64,
    pub session_hash: String,
    /// The session's id as the modules see it (`sid`): derived from the session, never
    /// the session id or its stored hash.
    pub sid: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub amr: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// An authorization code as stored: only its hash.
#[derive(Debug, Clone)]
pub struct CodeRecord {
    pub code_hash: String,
    pub grant_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Access or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// A token as stored: only its hash.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub token_hash: String,
    pub grant_id: String,
    pub kind: TokenKind,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// What [`GrantStore::use_code`] and [`GrantStore::use_refresh_token`] found.
#[derive(Debug, Clone)]
pub enum Redeemed<T> {
    /// Marked used now, by this caller only.
    Fresh(T),
    /// Used before: a replay. The grant it belongs to has been revoked.
    Replayed,
    /// No such code or token.
    Unknown,
}

/// A back-channel logout waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogout {
    pub client_id: String,
    pub sid: String,
    pub user_pk: i64,
    pub attempts: i64,
}

/// Grants, codes and tokens of the OpenID Provider, and the back-channel logouts.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Stores a grant and its code in one transaction.
    async fn insert_grant(&self, grant: &GrantRecord, code: &CodeRecord) -> Result<(), StoreError>;

    /// A grant that is unrevoked and whose session row still exists.
    async fn live_grant(&self, grant_id: &str) -> Result<Option<GrantRecord>, StoreError>;

    /// Marks a code used, once; a code presented again revokes its grant.
    async fn use_code(&self, code_hash: &str, now: i64)
    -> Result<Redeemed<CodeRecord>, StoreError>;

    /// Marks a refresh token used (rotated), once; a rotated one presented again revokes
    /// its grant, the whole family.
    async fn use_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Redeemed<TokenRecord>, StoreError>;

    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// Deletes one token (revocation of an access token).
    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError>;

    async fn revoke_grant(&self, grant_id: &str, now: i64) -> Result<(), StoreError>;

    /// Revokes every unrevoked grant whose session is gone (optionally only `user_pk`'s)
    /// and queues a back-channel logout for each of their clients that registered a URI,
    /// once per client and session, in one transaction. How many grants were revoked.
    async fn end_orphaned_grants(&self, user_pk: Option<i64>, now: i64) -> Result<u64, StoreError>;

    /// Up to `limit` logouts due at `now`.
    async fn due_logouts(&self, now: i64, limit: i64) -> Result<Vec<PendingLogout>, StoreError>;

    /// Removes a delivered (or abandoned) logout.
    async fn logout_done(&self, client_id: &str, sid: &str) -> Result<(), StoreError>;

    /// Schedules the next attempt of a logout that failed.
    async fn logout_failed(
        &self,
        client_id: &str,
        sid: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError>;

    /// Drops expired codes and tokens, and revoked grants older than `grants_before`.
    async fn delete_stale_grants(&self, now: i64, grants_before: i64) -> Result<u64, StoreError>;
}
