//! The access log.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use crate::store::*;

fn event_from_row(row: &AnyRow) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        at: row.try_get("at")?,
        user_pk: row.try_get("user_pk")?,
        user_id: row.try_get("user_id")?,
        event: row.try_get("event")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        detail: row.try_get("detail")?,
    })
}

#[async_trait]
impl EventStore for SqlStore {
    async fn insert_event(&self, event: &EventRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO access_events (at, user_pk, user_id, event, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(event.at)
        .bind(event.user_pk)
        .bind(&event.user_id)
        .bind(&event.event)
        .bind(&event.ip)
        .bind(&event.user_agent)
        .bind(&event.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn events_for_user(&self, pk: i64, limit: i64) -> Result<Vec<EventRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, user_pk, user_id, event, ip, user_agent, detail FROM access_events \
             WHERE user_pk = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(pk)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}
