//! Grants, codes and tokens of the OpenID Provider, and the back-channel logout queue.

use async_trait::async_trait;

use super::{SqlStore, corrupt, db};
use crate::*;

const GRANT_COLUMNS: &str = "g.id, g.client_id, g.user_pk, g.session_hash, g.sid, g.scope, \
                             g.nonce, g.auth_time, g.amr, g.created_at, g.revoked_at";
const CODE_COLUMNS: &str = "code_hash, grant_id, redirect_uri, code_challenge, expires_at, used_at";
const TOKEN_COLUMNS: &str = "token_hash, grant_id, kind, expires_at, used_at";
/// A grant whose session has ended, in SQL: no session row of its hash is left.
const ORPHANED: &str = "g.revoked_at IS NULL \
                        AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id_hash = g.session_hash)";

fn grant_from(row: &db::Row) -> Result<GrantRecord, StoreError> {
    Ok(GrantRecord {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        user_pk: row.try_get("user_pk")?,
        session_hash: row.try_get("session_hash")?,
        sid: row.try_get("sid")?,
        scope: row.try_get("scope")?,
        nonce: row.try_get("nonce")?,
        auth_time: row.try_get("auth_time")?,
        amr: row.try_get("amr")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn code_from(row: &db::Row) -> Result<CodeRecord, StoreError> {
    Ok(CodeRecord {
        code_hash: row.try_get("code_hash")?,
        grant_id: row.try_get("grant_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        code_challenge: row.try_get("code_challenge")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    })
}

fn token_from(row: &db::Row) -> Result<TokenRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(TokenRecord {
        token_hash: row.try_get("token_hash")?,
        grant_id: row.try_get("grant_id")?,
        kind: match kind.as_str() {
            "access" => TokenKind::Access,
            "refresh" => TokenKind::Refresh,
            _ => return Err(corrupt("token kind", &kind)),
        },
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    })
}

impl SqlStore {
    async fn revoke_grant_of(
        &self,
        table: &str,
        key_column: &str,
        key: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        db::query(&format!(
            "UPDATE oidc_grants SET revoked_at = $1 WHERE revoked_at IS NULL AND id = \
             (SELECT grant_id FROM {table} WHERE {key_column} = $2)"
        ))
        .bind(now)
        .bind(key)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl GrantStore for SqlStore {
    async fn insert_grant(&self, grant: &GrantRecord, code: &CodeRecord) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query(
            "INSERT INTO oidc_grants (id, client_id, user_pk, session_hash, sid, scope, nonce, \
             auth_time, amr, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&grant.id)
        .bind(&grant.client_id)
        .bind(grant.user_pk)
        .bind(&grant.session_hash)
        .bind(&grant.sid)
        .bind(&grant.scope)
        .bind(grant.nonce.as_deref())
        .bind(grant.auth_time)
        .bind(&grant.amr)
        .bind(grant.created_at)
        .execute(&mut *tx)
        .await?;
        db::query(&format!(
            "INSERT INTO oidc_codes ({CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL)"
        ))
        .bind(&code.code_hash)
        .bind(&code.grant_id)
        .bind(&code.redirect_uri)
        .bind(&code.code_challenge)
        .bind(code.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn live_grant(&self, grant_id: &str) -> Result<Option<GrantRecord>, StoreError> {
        db::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM oidc_grants g \
             JOIN sessions s ON s.id_hash = g.session_hash \
             WHERE g.id = $1 AND g.revoked_at IS NULL"
        ))
        .bind(grant_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(grant_from)
        .transpose()
    }

    async fn use_code(
        &self,
        code_hash: &str,
        now: i64,
    ) -> Result<Redeemed<CodeRecord>, StoreError> {
        let marked = db::query(
            "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(code_hash)
        .execute(&self.writer)
        .await?
        .rows_affected();
        let row = db::query(&format!(
            "SELECT {CODE_COLUMNS} FROM oidc_codes WHERE code_hash = $1"
        ))
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(code) = row.as_ref().map(code_from).transpose()? else {
            return Ok(Redeemed::Unknown);
        };
        if marked == 1 {
            return Ok(Redeemed::Fresh(code));
        }
        self.revoke_grant_of("oidc_codes", "code_hash", code_hash, now)
            .await?;
        Ok(Redeemed::Replayed)
    }

    async fn use_refresh_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Redeemed<TokenRecord>, StoreError> {
        let marked = db::query(
            "UPDATE oidc_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND kind = 'refresh' AND used_at IS NULL",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&self.writer)
        .await?
        .rows_affected();
        let token = self.token(token_hash).await?;
        match token {
            Some(token) if token.kind == TokenKind::Refresh => {
                if marked == 1 {
                    return Ok(Redeemed::Fresh(token));
                }
                self.revoke_grant_of("oidc_tokens", "token_hash", token_hash, now)
                    .await?;
                Ok(Redeemed::Replayed)
            }
            _ => Ok(Redeemed::Unknown),
        }
    }

    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        db::query(&format!(
            "INSERT INTO oidc_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, NULL)"
        ))
        .bind(&token.token_hash)
        .bind(&token.grant_id)
        .bind(token.kind.as_str())
        .bind(token.expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        db::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM oidc_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
    }

    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        db::query("DELETE FROM oidc_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn revoke_grant(&self, grant_id: &str, now: i64) -> Result<(), StoreError> {
        db::query("UPDATE oidc_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(grant_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn end_orphaned_grants(&self, user_pk: Option<i64>, now: i64) -> Result<u64, StoreError> {
        let only_user = if user_pk.is_some() {
            " AND g.user_pk = $2"
        } else {
            ""
        };
        let mut tx = self.writer.begin().await?;
        let queue = format!(
            "INSERT INTO oidc_logouts (client_id, sid, user_pk, created_at, next_attempt_at) \
             SELECT DISTINCT g.client_id, g.sid, g.user_pk, $1, $1 FROM oidc_grants g \
             JOIN oidc_clients c ON c.client_id = g.client_id \
             WHERE c.backchannel_logout_uri IS NOT NULL AND {ORPHANED}{only_user} \
             ON CONFLICT (client_id, sid) DO NOTHING"
        );
        let revoke = format!(
            "UPDATE oidc_grants SET revoked_at = $1 WHERE id IN \
             (SELECT g.id FROM oidc_grants g WHERE {ORPHANED}{only_user})"
        );
        let mut insert = db::query(&queue).bind(now);
        let mut update = db::query(&revoke).bind(now);
        if let Some(pk) = user_pk {
            insert = insert.bind(pk);
            update = update.bind(pk);
        }
        insert.execute(&mut *tx).await?;
        let revoked = update.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(revoked)
    }

    async fn due_logouts(&self, now: i64, limit: i64) -> Result<Vec<PendingLogout>, StoreError> {
        let rows = db::query(
            "SELECT client_id, sid, user_pk, attempts FROM oidc_logouts \
             WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, created_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PendingLogout {
                    client_id: row.try_get("client_id")?,
                    sid: row.try_get("sid")?,
                    user_pk: row.try_get("user_pk")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    async fn logout_done(&self, client_id: &str, sid: &str) -> Result<(), StoreError> {
        db::query("DELETE FROM oidc_logouts WHERE client_id = $1 AND sid = $2")
            .bind(client_id)
            .bind(sid)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn logout_failed(
        &self,
        client_id: &str,
        sid: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        db::query(
            "UPDATE oidc_logouts SET attempts = attempts + 1, next_attempt_at = $3 \
             WHERE client_id = $1 AND sid = $2",
        )
        .bind(client_id)
        .bind(sid)
        .bind(next_attempt_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn delete_stale_grants(&self, now: i64, grants_before: i64) -> Result<u64, StoreError> {
        let mut done = 0;
        for (sql, at) in [
            // Used codes stay a while: one presented again still revokes what it issued.
            (
                "DELETE FROM oidc_codes WHERE expires_at <= $1",
                grants_before,
            ),
            ("DELETE FROM oidc_tokens WHERE expires_at <= $1", now),
            (
                "DELETE FROM oidc_tokens WHERE grant_id IN \
                 (SELECT id FROM oidc_grants WHERE revoked_at IS NOT NULL AND revoked_at <= $1)",
                grants_before,
            ),
            (
                "DELETE FROM oidc_grants WHERE revoked_at IS NOT NULL AND revoked_at <= $1",
                grants_before,
            ),
        ] {
            done += db::query(sql)
                .bind(at)
                .execute(&self.writer)
                .await?
                .rows_affected();
        }
        Ok(done)
    }
}
