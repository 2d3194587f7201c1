//! Reset codes, reset requests, captchas, and taking TOTP off an account.

use async_trait::async_trait;

use super::{SqlStore, db};
use crate::*;

/// Everything that ends with TOTP: run inside the caller's transaction.
/// Marks the account as reset, so that its next activation needs a ticket, and stores
/// the first ticket.
async fn guard_activation_in(tx: &mut db::Tx, ticket: &NewTicket) -> Result<(), StoreError> {
    db::query("UPDATE users SET totp_reset_at = $1 WHERE id = $2")
        .bind(ticket.created_at)
        .bind(ticket.user_pk)
        .execute(&mut **tx)
        .await?;
    insert_ticket(&mut **tx, ticket).await
}

async fn insert_ticket<'e>(
    db: impl Into<db::Target<'e>>,
    ticket: &NewTicket,
) -> Result<(), StoreError> {
    db::query(
        "INSERT INTO activation_tickets (ticket_hash, user_pk, created_at, expires_at, mailed) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket.hash.expose().as_str())
    .bind(ticket.user_pk)
    .bind(ticket.created_at)
    .bind(ticket.expires_at)
    .bind(i64::from(ticket.mailed))
    .execute(db)
    .await?;
    Ok(())
}

async fn clear_totp_in(tx: &mut db::Tx, user_pk: i64, now: i64) -> Result<(), StoreError> {
    db::query(
        "UPDATE users SET totp_secret = NULL, totp_activated_at = NULL, totp_last_step = NULL, \
         totp_failures = 0, totp_locked_until = 0, totp_lock_count = 0 WHERE id = $1",
    )
    .bind(user_pk)
    .execute(&mut **tx)
    .await?;
    db::query("DELETE FROM totp_activations WHERE user_pk = $1")
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    db::query("DELETE FROM sessions WHERE user_pk = $1")
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    // The lost phone can neither approve nor be asked any more.
    db::query("UPDATE devices SET revoked_at = $1 WHERE user_pk = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    db::query("DELETE FROM approvals WHERE user_pk = $1 AND state = 'pending'")
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    db::query("UPDATE reset_codes SET used_at = $1 WHERE user_pk = $2 AND used_at IS NULL")
        .bind(now)
        .bind(user_pk)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl ResetStore for SqlStore {
    async fn record_reset_request(
        &self,
        ip: &str,
        user_key: &str,
        now: i64,
        since: i64,
    ) -> Result<RequestCounts, StoreError> {
        let mut tx = self.writer.begin().await?;
        // Always the IP's key before the account's: a fixed order cannot deadlock.
        for key in [format!("ip:{ip}"), format!("account:{user_key}")] {
            db::query(
                "INSERT INTO rate_keys (key, touched_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET touched_at = excluded.touched_at",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        db::query("INSERT INTO reset_requests (at, ip, user_key) VALUES ($1, $2, $3)")
            .bind(now)
            .bind(ip)
            .bind(user_key)
            .execute(&mut *tx)
            .await?;
        let from_ip: i64 =
            db::query_scalar("SELECT COUNT(*) FROM reset_requests WHERE ip = $1 AND at > $2")
                .bind(ip)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        let for_account: i64 =
            db::query_scalar("SELECT COUNT(*) FROM reset_requests WHERE user_key = $1 AND at > $2")
                .bind(user_key)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(RequestCounts {
            from_ip,
            for_account,
        })
    }

    async fn claim_reset_mail(
        &self,
        user_key: &str,
        now: i64,
        since: i64,
        max: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query(
            "INSERT INTO rate_keys (key, touched_at) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(format!("mail:{user_key}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let sent: i64 =
            db::query_scalar("SELECT COUNT(*) FROM reset_mails WHERE user_key = $1 AND at > $2")
                .bind(user_key)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        if sent >= max {
            return Ok(false);
        }
        db::query("INSERT INTO reset_mails (at, user_key) VALUES ($1, $2)")
            .bind(now)
            .bind(user_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_reset_code(
        &self,
        user_pk: i64,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        db::query(
            "INSERT INTO reset_codes (user_pk, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_pk)
        .bind(code_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn reset_code(&self, code_hash: &str) -> Result<Option<ResetCodeRecord>, StoreError> {
        let row =
            db::query("SELECT user_pk, expires_at, used_at FROM reset_codes WHERE code_hash = $1")
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(ResetCodeRecord {
                user_pk: row.try_get("user_pk")?,
                expires_at: row.try_get("expires_at")?,
                used_at: row.try_get("used_at")?,
            })
        })
        .transpose()
    }

    async fn redeem_reset_code(
        &self,
        user_pk: i64,
        code_hash: &str,
        now: i64,
        ticket: &NewTicket,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let taken = db::query(
            "UPDATE reset_codes SET used_at = $1 \
             WHERE code_hash = $2 AND user_pk = $3 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(code_hash)
        .bind(user_pk)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            return Ok(false);
        }
        clear_totp_in(&mut tx, user_pk, now).await?;
        guard_activation_in(&mut tx, ticket).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn clear_totp(
        &self,
        user_pk: i64,
        now: i64,
        ticket: Option<&NewTicket>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        clear_totp_in(&mut tx, user_pk, now).await?;
        if let Some(ticket) = ticket {
            guard_activation_in(&mut tx, ticket).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn put_ticket(&self, ticket: &NewTicket) -> Result<(), StoreError> {
        insert_ticket(&self.writer, ticket).await
    }

    async fn ticket_valid(
        &self,
        user_pk: i64,
        ticket_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = db::query_scalar(
            "SELECT user_pk FROM activation_tickets \
             WHERE ticket_hash = $1 AND user_pk = $2 AND expires_at > $3",
        )
        .bind(ticket_hash)
        .bind(user_pk)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn newest_mailed_ticket_at(
        &self,
        user_pk: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(db::query_scalar(
            "SELECT MAX(created_at) FROM activation_tickets \
             WHERE user_pk = $1 AND expires_at > $2 AND mailed = 1",
        )
        .bind(user_pk)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn put_captcha(
        &self,
        id_hash: &str,
        answer_hash: &str,
        answer_sealed: &[u8],
        expires_at: i64,
        limit: &CaptchaLimit<'_>,
    ) -> Result<bool, StoreError> {
        // One statement, so the count and the write cannot be told apart by another
        // request (on SQLite at all; on PostgreSQL, parallel draws may pass by a few).
        let done = db::query(
            "INSERT INTO captchas (id_hash, answer_hash, answer_sealed, renders, expires_at, address) \
             SELECT $1, $2, $3, 1, $4, $5 WHERE (SELECT COUNT(*) FROM captchas \
             WHERE address = $5 AND expires_at > $6 AND id_hash <> $1) < $7 \
             ON CONFLICT (id_hash) DO UPDATE SET answer_hash = excluded.answer_hash, \
             answer_sealed = excluded.answer_sealed, renders = 1, \
             expires_at = excluded.expires_at, address = excluded.address \
             WHERE captchas.expires_at <= $6 OR captchas.answer_sealed IS NULL",
        )
        .bind(id_hash)
        .bind(answer_hash)
        .bind(answer_sealed)
        .bind(expires_at)
        .bind(limit.address)
        .bind(limit.now)
        .bind(limit.most)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn render_captcha(
        &self,
        id_hash: &str,
        now: i64,
        most: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(db::query_scalar(
            "UPDATE captchas SET renders = renders + 1 \
             WHERE id_hash = $1 AND expires_at > $2 AND renders < $3 \
             AND answer_sealed IS NOT NULL RETURNING answer_sealed",
        )
        .bind(id_hash)
        .bind(now)
        .bind(most)
        .fetch_optional(&self.writer)
        .await?)
    }

    async fn spend_pow(
        &self,
        challenge_hash: &str,
        expires_at: i64,
        limit: &CaptchaLimit<'_>,
    ) -> Result<PowSpend, StoreError> {
        let done = db::query(
            "INSERT INTO pow_spent (challenge_hash, address, expires_at) \
             SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM pow_spent \
             WHERE address = $2 AND expires_at > $4) < $5 \
             ON CONFLICT (challenge_hash) DO NOTHING",
        )
        .bind(challenge_hash)
        .bind(limit.address)
        .bind(expires_at)
        .bind(limit.now)
        .bind(limit.most)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(PowSpend::Spent);
        }
        let seen: Option<String> =
            db::query_scalar("SELECT challenge_hash FROM pow_spent WHERE challenge_hash = $1")
                .bind(challenge_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(if seen.is_some() {
            PowSpend::Replayed
        } else {
            PowSpend::Full
        })
    }

    async fn take_captcha(&self, id_hash: &str, now: i64) -> Result<Option<String>, StoreError> {
        let row =
            db::query("DELETE FROM captchas WHERE id_hash = $1 RETURNING answer_hash, expires_at")
                .bind(id_hash)
                .fetch_optional(&self.writer)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at")?;
        Ok((expires_at > now)
            .then(|| row.try_get("answer_hash"))
            .transpose()?)
    }

    async fn delete_stale_resets(&self, now: i64, requests_before: i64) -> Result<u64, StoreError> {
        let mut removed = 0;
        for (sql, bound) in [
            ("DELETE FROM captchas WHERE expires_at <= $1", now),
            ("DELETE FROM pow_spent WHERE expires_at <= $1", now),
            ("DELETE FROM reset_codes WHERE expires_at <= $1", now),
            ("DELETE FROM password_links WHERE expires_at <= $1", now),
            ("DELETE FROM reset_requests WHERE at <= $1", requests_before),
            ("DELETE FROM reset_mails WHERE at <= $1", requests_before),
            (
                "DELETE FROM rate_keys WHERE touched_at <= $1",
                requests_before,
            ),
        ] {
            removed += db::query(sql)
                .bind(bound)
                .execute(&self.writer)
                .await?
                .rows_affected();
        }
        Ok(removed)
    }
}

#[async_trait]
impl StaffStore for SqlStore {
    async fn set_disabled(&self, user_pk: i64, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        db::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_pk)
            .execute(&mut *tx)
            .await?;
        if disabled {
            db::query("DELETE FROM sessions WHERE user_pk = $1")
                .bind(user_pk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
