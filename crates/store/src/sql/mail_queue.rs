//! The outgoing mail queue.

use async_trait::async_trait;
use sqlx::Row;

use super::SqlStore;
use crate::*;

#[async_trait]
impl MailQueueStore for SqlStore {
    async fn enqueue_mail(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        html: Option<&str>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mail_queue (recipient, subject, text_body, html_body, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(to)
        .bind(subject)
        .bind(text)
        .bind(html)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn claim_due_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM mail_queue WHERE failed = 0 AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for id in due {
            let row = sqlx::query(
                "UPDATE mail_queue SET next_attempt_at = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND failed = 0 AND next_attempt_at <= $3 \
                 RETURNING recipient, subject, text_body, html_body, attempts",
            )
            .bind(lease_until)
            .bind(id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                claimed.push(QueuedMail {
                    id,
                    to: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    text: row.try_get("text_body")?,
                    html: row.try_get("html_body")?,
                    attempts: row.try_get("attempts")?,
                });
            }
        }
        Ok(claimed)
    }

    async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mail_queue WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn mail_failed(
        &self,
        id: i64,
        next_attempt_at: Option<i64>,
        error: &str,
    ) -> Result<(), StoreError> {
        let query = match next_attempt_at {
            Some(at) => sqlx::query(
                "UPDATE mail_queue SET next_attempt_at = $1, last_error = $2 WHERE id = $3",
            )
            .bind(at),
            None => sqlx::query("UPDATE mail_queue SET failed = 1, last_error = $1 WHERE id = $2"),
        };
        query.bind(error).bind(id).execute(&self.pool).await?;
        Ok(())
    }
}
