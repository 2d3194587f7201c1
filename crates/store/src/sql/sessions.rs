//! Sessions, by the hash of their id.

use async_trait::async_trait;
use spse_domain::secret::SessionHash;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, corrupt};
use crate::*;
use spse_domain::session::Stage;
use spse_domain::user::UserKind;

const SESSION_COLUMNS: &str = "id_hash, user_pk, claimed_user_id, kind, stage, created_at, last_seen_at, expires_at, ip, user_agent, amr";

fn session_from_row(row: &AnyRow) -> Result<SessionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let stage: String = row.try_get("stage")?;
    Ok(SessionRecord {
        id_hash: SessionHash::from_stored(row.try_get("id_hash")?),
        user_pk: row.try_get("user_pk")?,
        claimed_user_id: row.try_get("claimed_user_id")?,
        kind: UserKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        stage: Stage::parse(&stage).ok_or_else(|| corrupt("stage", &stage))?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        amr: row.try_get("amr")?,
    })
}

fn insert_session_query(
    session: &SessionRecord,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_pk, claimed_user_id, kind, stage, created_at, last_seen_at, expires_at, ip, user_agent, amr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(session.id_hash.as_str())
    .bind(session.user_pk)
    .bind(&session.claimed_user_id)
    .bind(session.kind.as_str())
    .bind(session.stage.as_str())
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .bind(&session.ip)
    .bind(&session.user_agent)
    .bind(&session.amr)
}

/// Destroys `old` and stores `new` inside the caller's transaction; `false` when `old`
/// was gone.
async fn replace_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    old_hash: &SessionHash,
    new: &SessionRecord,
) -> Result<bool, StoreError> {
    let removed = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(old_hash.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if removed != 1 {
        return Ok(false);
    }
    insert_session_query(new).execute(&mut **tx).await?;
    Ok(true)
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        insert_session_query(session).execute(&self.writer).await?;
        Ok(())
    }

    async fn session(&self, id_hash: &SessionHash) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1");
        let row = sqlx::query(&sql)
            .bind(id_hash.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_session(&self, id_hash: &SessionHash, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn replace_session(
        &self,
        old_hash: &SessionHash,
        new: &SessionRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        if !replace_in(&mut tx, old_hash, new).await? {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn complete_login(
        &self,
        old_hash: &SessionHash,
        new: &SessionRecord,
        browser: Option<&NewTrustedBrowser>,
        event: &EventRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        if !replace_in(&mut tx, old_hash, new).await? {
            return Ok(false);
        }
        if let Some(browser) = browser {
            super::trusted::insert_trusted_query(browser)
                .execute(&mut *tx)
                .await?;
        }
        super::events::insert_event_query(event)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_session(&self, id_hash: &SessionHash) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn delete_stale_sessions(&self, now: i64, idle_secs: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle_secs)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }

    async fn sessions_for_user(&self, pk: i64) -> Result<Vec<SessionRecord>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_pk = $1 AND stage = 'full' \
             ORDER BY created_at DESC, id_hash"
        );
        let rows = sqlx::query(&sql).bind(pk).fetch_all(&self.pool).await?;
        rows.iter().map(session_from_row).collect()
    }

    async fn delete_user_sessions(
        &self,
        pk: i64,
        keep: Option<&SessionHash>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_pk = $1 AND id_hash <> $2")
            .bind(pk)
            .bind(keep.map_or("", SessionHash::as_str))
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
