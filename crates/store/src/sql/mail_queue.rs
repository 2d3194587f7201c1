//! The outgoing mail queue.

use async_trait::async_trait;

use super::{SqlStore, db};
use crate::*;
use spse_domain::secret::Secret;

#[async_trait]
impl MailQueueStore for SqlStore {
    async fn enqueue_mail(
        &self,
        to: &str,
        subject: &str,
        sealed_text: &[u8],
        sealed_html: Option<&[u8]>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let id: i64 = db::query_scalar(
            "INSERT INTO mail_queue (recipient, subject, text_body, sealed_text, sealed_html, created_at, next_attempt_at) \
             VALUES ($1, $2, '', $3, $4, $5, $5) RETURNING id",
        )
        .bind(to)
        .bind(subject)
        .bind(sealed_text)
        .bind(sealed_html)
        .bind(now)
        .fetch_one(&self.writer)
        .await?;
        Ok(id)
    }

    async fn claim_due_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let due: Vec<i64> = db::query_scalar(
            "SELECT id FROM mail_queue \
             WHERE failed = 0 AND next_attempt_at <= $1 AND sealed_text IS NOT NULL \
             ORDER BY id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for id in due {
            let row = db::query(
                "UPDATE mail_queue SET next_attempt_at = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND failed = 0 AND next_attempt_at <= $3 \
                 RETURNING recipient, subject, sealed_text, sealed_html, attempts",
            )
            .bind(lease_until)
            .bind(id)
            .bind(now)
            .fetch_optional(&self.writer)
            .await?;
            if let Some(row) = row {
                claimed.push(QueuedMail {
                    id,
                    to: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    sealed_text: row.try_get("sealed_text")?,
                    sealed_html: row.try_get("sealed_html")?,
                    attempts: row.try_get("attempts")?,
                });
            }
        }
        Ok(claimed)
    }

    async fn plain_mail(&self, limit: i64) -> Result<Vec<PlainMail>, StoreError> {
        let rows = db::query(
            "SELECT id, recipient, subject, text_body, html_body FROM mail_queue \
             WHERE sealed_text IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PlainMail {
                    id: row.try_get("id")?,
                    to: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    text: Secret::new(row.try_get("text_body")?),
                    html: row
                        .try_get::<Option<String>, _>("html_body")?
                        .map(Secret::new),
                })
            })
            .collect()
    }

    async fn seal_plain_mail(
        &self,
        id: i64,
        sealed_text: &[u8],
        sealed_html: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        db::query(
            "UPDATE mail_queue SET sealed_text = $1, sealed_html = $2, text_body = '', html_body = NULL \
             WHERE id = $3 AND sealed_text IS NULL",
        )
        .bind(sealed_text)
        .bind(sealed_html)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
        db::query("DELETE FROM mail_queue WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
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
            Some(at) => db::query(
                "UPDATE mail_queue SET next_attempt_at = $1, last_error = $2 WHERE id = $3",
            )
            .bind(at),
            None => db::query("UPDATE mail_queue SET failed = 1, last_error = $1 WHERE id = $2"),
        };
        query.bind(error).bind(id).execute(&self.writer).await?;
        Ok(())
    }
}
