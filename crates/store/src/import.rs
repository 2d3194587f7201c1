//! Accounts brought from the system an LPSE had before: bulk writes for `user import`,
//! and the replacement of their old password hashes at the first login.

use async_trait::async_trait;
use spse_domain::user::UserKind;

use crate::{EventRecord, NewUser, StoreError, UserRecord};

/// What an import changes on an account that exists: the fields a row may update.
#[derive(Debug, Clone)]
pub struct AccountUpdate {
    pub pk: i64,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
}

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// The accounts among `user_keys` that exist (any order; a few hundred keys a call).
    async fn users_by_keys(&self, user_keys: &[String]) -> Result<Vec<UserRecord>, StoreError>;

    /// One batch of an import in one transaction, all of it or nothing: the new accounts
    /// and the updates, each with its access-log entry (a new account's entry gets the
    /// new row's key as its `user_pk`).
    async fn write_import_batch(
        &self,
        new: &[(NewUser, EventRecord)],
        updates: &[(AccountUpdate, EventRecord)],
        now: i64,
    ) -> Result<(), StoreError>;

    /// Replaces the password hash `old` with `new`; `false` when `old` is no longer the
    /// stored one (the password changed meanwhile), which is then left alone.
    async fn upgrade_password_hash(
        &self,
        pk: i64,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError>;
}
