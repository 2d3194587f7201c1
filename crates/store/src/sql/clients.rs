//! Registered OpenID Connect clients.

use async_trait::async_trait;

use super::{SqlStore, db};
use crate::*;

const COLUMNS: &str = "client_id, name, secret_hash, redirect_uris, backchannel_logout_uri, \
                       home_url, created_at, secret_rotated_at";

fn client_from(row: &db::Row) -> Result<ClientRecord, StoreError> {
    let uris: String = row.try_get("redirect_uris")?;
    Ok(ClientRecord {
        client_id: row.try_get("client_id")?,
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        redirect_uris: uris.lines().map(str::to_string).collect(),
        backchannel_logout_uri: row.try_get("backchannel_logout_uri")?,
        home_url: row.try_get("home_url")?,
        created_at: row.try_get("created_at")?,
        secret_rotated_at: row.try_get("secret_rotated_at")?,
    })
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn insert_client(&self, client: &ClientRecord) -> Result<(), StoreError> {
        if client.redirect_uris.iter().any(|uri| uri.contains('\n')) {
            return Err(StoreError::Corrupt(
                "a redirect URI holds a line break".into(),
            ));
        }
        db::query(&format!(
            "INSERT INTO oidc_clients ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(client.secret_hash.as_deref())
        .bind(client.redirect_uris.join("\n"))
        .bind(client.backchannel_logout_uri.as_deref())
        .bind(client.home_url.as_deref())
        .bind(client.created_at)
        .bind(client.secret_rotated_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        db::query(&format!(
            "SELECT {COLUMNS} FROM oidc_clients WHERE client_id = $1"
        ))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(client_from)
        .transpose()
    }

    async fn list_clients(&self) -> Result<Vec<ClientRecord>, StoreError> {
        db::query(&format!(
            "SELECT {COLUMNS} FROM oidc_clients ORDER BY created_at, client_id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(client_from)
        .collect()
    }

    async fn delete_client(&self, client_id: &str) -> Result<bool, StoreError> {
        let done = db::query("DELETE FROM oidc_clients WHERE client_id = $1")
            .bind(client_id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_client_secret(
        &self,
        client_id: &str,
        secret_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = db::query(
            "UPDATE oidc_clients SET secret_hash = $2, secret_rotated_at = $3 \
             WHERE client_id = $1 AND secret_hash IS NOT NULL",
        )
        .bind(client_id)
        .bind(secret_hash)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
