//! Pending approvals of push login.

use async_trait::async_trait;
use spse_domain::secret::SessionHash;

use super::{SqlStore, corrupt, db};
use crate::*;

const APPROVAL_COLUMNS: &str =
    "id, user_pk, session_hash, purpose, number, state, created_at, expires_at, ip, user_agent";

fn approval_from_row(row: &db::Row) -> Result<ApprovalRecord, StoreError> {
    let state: String = row.try_get("state")?;
    let purpose: String = row.try_get("purpose")?;
    Ok(ApprovalRecord {
        id: row.try_get("id")?,
        user_pk: row.try_get("user_pk")?,
        session_hash: SessionHash::from_stored(row.try_get("session_hash")?),
        purpose: ApprovalPurpose::parse(&purpose)
            .ok_or_else(|| corrupt("approval purpose", &purpose))?,
        number: row.try_get("number")?,
        state: ApprovalState::parse(&state).ok_or_else(|| corrupt("approval state", &state))?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
    })
}

#[async_trait]
impl ApprovalStore for SqlStore {
    async fn create_approval(
        &self,
        a: &ApprovalRecord,
        max_pending: i64,
    ) -> Result<bool, StoreError> {
        // One statement: the limit and the pause are checked where the row is written.
        let inserted = db::query(
            "INSERT INTO approvals (id, user_pk, session_hash, number, state, created_at, expires_at, ip, user_agent, purpose) \
             SELECT $1, $2, $3, $4, 'pending', $5, $6, $7, $8, $10 \
             WHERE (SELECT COUNT(*) FROM approvals WHERE user_pk = $2 AND state = 'pending' AND expires_at > $5) < $9 \
               AND (SELECT approvals_paused_until FROM users WHERE id = $2) <= $5",
        )
        .bind(&a.id)
        .bind(a.user_pk)
        .bind(a.session_hash.as_str())
        .bind(a.number)
        .bind(a.created_at)
        .bind(a.expires_at)
        .bind(&a.ip)
        .bind(&a.user_agent)
        .bind(max_pending)
        .bind(a.purpose.as_str())
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn approval(&self, id: &str) -> Result<Option<ApprovalRecord>, StoreError> {
        let sql = format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1");
        let row = db::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(approval_from_row).transpose()
    }

    async fn latest_approval_for_session(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<ApprovalRecord>, StoreError> {
        let sql = format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE session_hash = $1 ORDER BY created_at DESC, id LIMIT 1"
        );
        let row = db::query(&sql)
            .bind(session_hash.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(approval_from_row).transpose()
    }

    async fn pending_approvals(
        &self,
        user_pk: i64,
        now: i64,
    ) -> Result<Vec<ApprovalRecord>, StoreError> {
        let sql = format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals \
             WHERE user_pk = $1 AND state = 'pending' AND expires_at > $2 ORDER BY created_at DESC, id"
        );
        let rows = db::query(&sql)
            .bind(user_pk)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(approval_from_row).collect()
    }

    async fn decide_approval(
        &self,
        id: &str,
        to: ApprovalState,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let decided = db::query(
            "UPDATE approvals SET state = $1, decided_at = $2 \
             WHERE id = $3 AND state = 'pending' AND expires_at > $2",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if decided == 1 && matches!(to, ApprovalState::Denied | ApprovalState::NotMe) {
            // A refusal ends the login attempt with it: its half-open session can no
            // longer finish by code either. A declined DISABLE TOTP leaves its signed-in
            // session to the caller.
            db::query(
                "DELETE FROM sessions WHERE id_hash = \
                 (SELECT session_hash FROM approvals WHERE id = $1 AND purpose = 'login')",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(decided == 1)
    }

    async fn consume_approval(&self, id: &str) -> Result<bool, StoreError> {
        let used =
            db::query("UPDATE approvals SET state = 'used' WHERE id = $1 AND state = 'approved'")
                .bind(id)
                .execute(&self.writer)
                .await?
                .rows_affected();
        Ok(used == 1)
    }

    async fn pause_approvals(&self, user_pk: i64, until: i64) -> Result<(), StoreError> {
        db::query("UPDATE users SET approvals_paused_until = $1 WHERE id = $2")
            .bind(until)
            .bind(user_pk)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
