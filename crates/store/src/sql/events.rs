//! The access log: appends to the hash chain, the user's page, flags, the helpdesk search.

use async_trait::async_trait;
use spse_domain::event::EventName;

use super::{SqlStore, db};
use crate::*;

pub(super) const EVENT_COLUMNS: &str =
    "e.id, e.seq, e.hash, e.at, e.user_pk, e.user_id, e.event, e.ip, e.user_agent, e.detail";

pub(super) fn event_from_row(row: &db::Row) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        at: row.try_get("at")?,
        user_pk: row.try_get("user_pk")?,
        user_id: row.try_get("user_id")?,
        event: EventName::from_stored(row.try_get("event")?),
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        detail: row.try_get("detail")?,
    })
}

fn logged_from_row(row: &db::Row) -> Result<LoggedEvent, StoreError> {
    Ok(LoggedEvent {
        id: row.try_get("id")?,
        event: event_from_row(row)?,
        flagged_at: row.try_get("flagged_at")?,
    })
}

/// The WHERE clause of a filter, binding `$1`..`$5` in the order of [`bind_filter`].
pub(super) const FILTER_SQL: &str = "($1 = '' OR LOWER(e.user_id) = $1) \
     AND ($2 = '' OR e.event = $2) AND ($3 = '' OR e.ip = $3) \
     AND e.at >= $4 AND e.at < $5";

/// Entries about staff accounts left out; an entry for a user ID that matched no one stays.
const ORDINARY_SQL: &str =
    "AND (e.user_pk IS NULL OR e.user_pk IN (SELECT id FROM users WHERE role = 'user'))";

pub(super) fn bind_filter<'q>(query: db::Query<'q>, filter: &'q EventFilter) -> db::Query<'q> {
    query
        .bind(filter.user_key.as_str())
        .bind(filter.event.as_str())
        .bind(filter.ip.as_str())
        .bind(filter.from.unwrap_or(i64::MIN))
        .bind(filter.until.unwrap_or(i64::MAX))
}

/// A plain insert: no writer waits for another's commit. The sealer gives the entry its
/// place in the chain soon after (`seal_round`).
pub(super) fn insert_event_query(event: &EventRecord) -> db::Query<'_> {
    bind_event(
        db::query(
            "INSERT INTO access_events (at, user_pk, user_id, event, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ),
        event,
    )
}

/// Binds an entry's seven columns in the order of [`insert_event_query`].
pub(super) fn bind_event<'q>(query: db::Query<'q>, event: &'q EventRecord) -> db::Query<'q> {
    query
        .bind(event.at)
        .bind(event.user_pk)
        .bind(event.user_id.as_str())
        .bind(event.event.as_str())
        .bind(event.ip.as_str())
        .bind(event.user_agent.as_str())
        .bind(event.detail.as_str())
}

#[async_trait]
impl EventStore for SqlStore {
    async fn insert_event(&self, event: &EventRecord) -> Result<(), StoreError> {
        match &self.appender {
            Some(appender) => appender.append(&self.writer, event).await,
            None => super::appender::insert_one(&self.writer, event).await,
        }
    }

    async fn events_for_user(&self, pk: i64, limit: i64) -> Result<Vec<EventRecord>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM access_events e WHERE e.user_pk = $1 ORDER BY e.id DESC LIMIT $2"
        );
        let rows = db::query(&sql)
            .bind(pk)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn user_events(
        &self,
        pk: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, f.flagged_at FROM access_events e \
             LEFT JOIN event_flags f ON f.event_id = e.id \
             WHERE e.user_pk = $1 ORDER BY e.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = db::query(&sql)
            .bind(pk)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(logged_from_row).collect()
    }

    async fn own_event_kind(
        &self,
        event_id: i64,
        user_pk: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            db::query_scalar("SELECT event FROM access_events WHERE id = $1 AND user_pk = $2")
                .bind(event_id)
                .bind(user_pk)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn flag_event(&self, event_id: i64, user_pk: i64, now: i64) -> Result<bool, StoreError> {
        let owned: Option<i64> =
            db::query_scalar("SELECT id FROM access_events WHERE id = $1 AND user_pk = $2")
                .bind(event_id)
                .bind(user_pk)
                .fetch_optional(&self.pool)
                .await?;
        if owned.is_none() {
            return Ok(false);
        }
        db::query(
            "INSERT INTO event_flags (event_id, user_pk, flagged_at) VALUES ($1, $2, $3) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(user_pk)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(true)
    }

    async fn search_events(
        &self,
        filter: &EventFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, f.flagged_at FROM access_events e \
             LEFT JOIN event_flags f ON f.event_id = e.id \
             WHERE {FILTER_SQL} {ordinary} \
             ORDER BY CASE WHEN f.event_id IS NULL THEN 1 ELSE 0 END, e.id DESC \
             LIMIT $6 OFFSET $7",
            ordinary = if filter.ordinary_only {
                ORDINARY_SQL
            } else {
                ""
            }
        );
        let rows = bind_filter(db::query(&sql), filter)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(logged_from_row).collect()
    }
}
