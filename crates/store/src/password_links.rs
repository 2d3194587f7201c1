//! The store's trait for set-password links (migration 0019).

use async_trait::async_trait;

use crate::StoreError;

/// A set-password link as stored: never the code, only its hash.
#[derive(Debug, Clone)]
pub struct PasswordLinkRecord {
    pub user_pk: i64,
    /// [`spse_domain::password_link::LinkPurpose`] by name.
    pub purpose: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[async_trait]
pub trait PasswordLinkStore: Send + Sync {
    async fn insert_password_link(
        &self,
        user_pk: i64,
        code_hash: &str,
        purpose: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    async fn password_link(
        &self,
        code_hash: &str,
    ) -> Result<Option<PasswordLinkRecord>, StoreError>;

    /// Uses the link and sets the password in one transaction: the account's other
    /// unused links are used up with it, the password lock and any required change are
    /// lifted, and every session of the user ends. `false` (and nothing changed) when the
    /// link is used, expired at `now` or not this user's.
    async fn redeem_password_link(
        &self,
        user_pk: i64,
        code_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> Result<bool, StoreError>;
}
