//! [`ImportStore`]: an import's batches and the hash upgrade.

use async_trait::async_trait;

use super::users::{USER_COLUMNS, user_from_row};
use super::{SqlStore, db};
use crate::*;

#[async_trait]
impl ImportStore for SqlStore {
    async fn users_by_keys(&self, user_keys: &[String]) -> Result<Vec<UserRecord>, StoreError> {
        if user_keys.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=user_keys.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE user_key IN ({})",
            placeholders.join(", ")
        );
        let mut query = db::query(&sql);
        for key in user_keys {
            query = query.bind(key);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn write_import_batch(
        &self,
        new: &[(NewUser, EventRecord)],
        updates: &[(AccountUpdate, EventRecord)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for (user, event) in new {
            let pk: i64 = db::query_scalar(
                "INSERT INTO users (user_id, user_key, kind, email, name, role, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&user.user_id)
            .bind(&user.user_key)
            .bind(user.kind.as_str())
            .bind(&user.email)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(user.password_hash.expose())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            insert_event(&mut tx, event, Some(pk)).await?;
        }
        for (update, event) in updates {
            db::query("UPDATE users SET kind = $1, email = $2, name = $3 WHERE id = $4")
                .bind(update.kind.as_str())
                .bind(&update.email)
                .bind(&update.name)
                .bind(update.pk)
                .execute(&mut *tx)
                .await?;
            insert_event(&mut tx, event, Some(update.pk)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn upgrade_password_hash(
        &self,
        pk: i64,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let changed =
            db::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
                .bind(new)
                .bind(pk)
                .bind(old)
                .execute(&self.writer)
                .await?
                .rows_affected();
        Ok(changed == 1)
    }
}

/// An access-log entry in the caller's transaction: a plain insert, which the sealer
/// chains like any other (see `events.rs`).
async fn insert_event(
    tx: &mut db::Tx,
    event: &EventRecord,
    user_pk: Option<i64>,
) -> Result<(), StoreError> {
    db::query(
        "INSERT INTO access_events (at, user_pk, user_id, event, ip, user_agent, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.at)
    .bind(user_pk)
    .bind(&event.user_id)
    .bind(event.event.as_str())
    .bind(&event.ip)
    .bind(&event.user_agent)
    .bind(&event.detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
