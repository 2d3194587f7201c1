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
