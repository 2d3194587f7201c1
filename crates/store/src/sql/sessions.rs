//! Sessions, by the hash of their id.

use async_trait::async_trait;
use spse_domain::secret::SessionHash;

use super::users::user_from_row;
use super::{SqlStore, corrupt, db};
use crate::*;
use spse_domain::session::Stage;
use spse_domain::user::UserKind;

const SESSION_COLUMNS: &str = "id_hash, user_pk, claimed_user_id, kind, stage, created_at, last_seen_at, expires_at, ip, user_agent, amr";

/// A session with its account: the two tables share the names `kind` and `created_at`,
/// so the session's go by other names here.
const SESSION_WITH_USER: &str = "SELECT sessions.id_hash, sessions.user_pk, \
     sessions.claimed_user_id, sessions.kind AS session_kind, sessions.stage, \
     sessions.created_at AS session_created_at, sessions.last_seen_at, sessions.expires_at, \
     sessions.ip, sessions.user_agent, sessions.amr, \
     users.id, users.user_id, users.kind, users.email, users.name, users.role, \
     users.password_hash, users.disabled, users.totp_secret, users.totp_activated_at, \
     users.totp_last_step, users.totp_reset_at, users.password_failures, \
     users.password_locked_until, users.password_lock_count, users.totp_failures, \
     users.totp_locked_until, users.totp_lock_count, users.created_at, \
     (SELECT COUNT(*) FROM password_change_required p WHERE p.user_pk = users.id) \
     AS password_change_required \
     FROM sessions LEFT JOIN users ON users.id = sessions.user_pk \
     WHERE sessions.id_hash = $1";

/// Where a row names the session's `kind` and `created_at`.
struct SessionNames {
    kind: &'static str,
    created_at: &'static str,
}

const ALONE: SessionNames = SessionNames {
    kind: "kind",
    created_at: "created_at",
};

const JOINED: SessionNames = SessionNames {
    kind: "session_kind",
    created_at: "session_created_at",
};

fn session_from_row(row: &db::Row) -> Result<SessionRecord, StoreError> {
    session_named(row, &ALONE)
}

fn session_named(row: &db::Row, names: &SessionNames) -> Result<SessionRecord, StoreError> {
    let kind: String = row.try_get(names.kind)?;
    let stage: String = row.try_get("stage")?;
    Ok(SessionRecord {
        id_hash: SessionHash::from_stored(row.try_get("id_hash")?),
        user_pk: row.try_get("user_pk")?,
        claimed_user_id: row.try_get("claimed_user_id")?,
        kind: UserKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        stage: Stage::parse(&stage).ok_or_else(|| corrupt("stage", &stage))?,
        created_at: row.try_get(names.created_at)?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        amr: row.try_get("amr")?,
    })
}

fn insert_session_query(session: &SessionRecord) -> db::Query<'_> {
    db::query(
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
    tx: &mut db::Tx,
    old_hash: &SessionHash,
    new: &SessionRecord,
) -> Result<bool, StoreError> {
    let removed = db::query("DELETE FROM sessions WHERE id_hash = $1")
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
        let row = db::query(&sql)
            .bind(id_hash.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn session_with_user(
        &self,
        id_hash: &SessionHash,
    ) -> Result<Option<SessionWithUser>, StoreError> {
        let Some(row) = db::query(SESSION_WITH_USER)
            .bind(id_hash.as_str())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let has_user = row.try_get::<Option<i64>, _>("id")?.is_some();
        Ok(Some(SessionWithUser {
            session: session_named(&row, &JOINED)?,
            user: has_user.then(|| user_from_row(&row)).transpose()?,
            password_change_required: row.try_get::<i64, _>("password_change_required")? != 0,
        }))
    }

    async fn touch_session(&self, id_hash: &SessionHash, now: i64) -> Result<(), StoreError> {
        db::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
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
        db::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn delete_stale_sessions(&self, now: i64, idle_secs: i64) -> Result<u64, StoreError> {
        let done = db::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
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
        let rows = db::query(&sql).bind(pk).fetch_all(&self.pool).await?;
        rows.iter().map(session_from_row).collect()
    }

    async fn delete_user_sessions(
        &self,
        pk: i64,
        keep: Option<&SessionHash>,
    ) -> Result<u64, StoreError> {
        let done = db::query("DELETE FROM sessions WHERE user_pk = $1 AND id_hash <> $2")
            .bind(pk)
            .bind(keep.map_or("", SessionHash::as_str))
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
