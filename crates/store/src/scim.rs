//! The store's traits for SCIM 2.0 provisioning: the bearer tokens of the provisioning
//! clients, and what SCIM keeps about an account beside the users table.

use async_trait::async_trait;

use crate::{StoreError, UserRecord};

/// A provisioning client's token as stored: a keyed hash, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimTokenRecord {
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    /// Who added it (`cli:<login>`).
    pub created_by: String,
    pub last_used_at: Option<i64>,
}

/// An ordinary account as SCIM sees it: the user row and SCIM's own data about it.
#[derive(Debug, Clone)]
pub struct ScimAccountRecord {
    pub user: UserRecord,
    pub external_id: Option<String>,
    /// When SCIM last changed the account; `None` if it never did.
    pub updated_at: Option<i64>,
}

/// Which accounts a SCIM list asks for. SCIM sees ordinary accounts (role `user`) only,
/// and never one it deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScimQuery {
    /// The lower-case user ID (`userName eq ...`).
    pub user_key: Option<String>,
    pub external_id: Option<String>,
    pub pk: Option<i64>,
}

/// The fields a SCIM replace or patch writes, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimProfile {
    pub kind: spse_domain::user::UserKind,
    pub email: String,
    pub name: String,
    pub external_id: Option<String>,
}

/// Provisioning tokens and SCIM's view of accounts.
#[async_trait]
pub trait ScimStore: Send + Sync {
    /// Stores a new token; [`StoreError::Duplicate`] when the name is taken.
    async fn insert_scim_token(&self, token: &ScimTokenRecord) -> Result<(), StoreError>;

    async fn scim_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ScimTokenRecord>, StoreError>;

    /// Records that the token was used at `now`.
    async fn touch_scim_token(&self, name: &str, now: i64) -> Result<(), StoreError>;

    /// Every token, by name.
    async fn list_scim_tokens(&self) -> Result<Vec<ScimTokenRecord>, StoreError>;

    /// Removes a token: it stops working at once. `false` when there was none.
    async fn delete_scim_token(&self, name: &str) -> Result<bool, StoreError>;

    /// The accounts matching `query` from position `offset` (0-based), at most `limit`,
    /// in creation order, and how many match in all.
    async fn scim_accounts(
        &self,
        query: &ScimQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ScimAccountRecord>), StoreError>;

    /// Records SCIM's data about a new account (its externalId).
    async fn put_scim_account(
        &self,
        user_pk: i64,
        external_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Writes kind, email, name and externalId in one transaction.
    async fn update_scim_profile(
        &self,
        user_pk: i64,
        profile: &ScimProfile,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Hides the account from SCIM for good (the caller disables it).
    async fn mark_scim_deleted(&self, user_pk: i64, now: i64) -> Result<(), StoreError>;
}
