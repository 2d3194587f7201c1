//! Queueing mail and delivering the queue: a request only writes a row; a worker started
//! with the server sends it, retries with backoff, and picks up what a restart left.

use std::sync::Arc;
use std::time::Duration;

use super::{Auth, AuthError};
use spse_mail::Mail;

/// How long a claimed mail stays with the worker that claimed it before another may retry.
const LEASE_SECS: i64 = 300;
/// Attempts before a mail is given up (and logged as such): about a day of backoff.
const MAX_ATTEMPTS: i64 = 12;
/// How often the worker looks at the queue when nothing woke it.
const POLL: Duration = Duration::from_secs(5);

/// Wait before attempt `attempts + 1`: 30 s, doubling, at most 4 hours.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    (30_i64 << exponent).min(4 * 3600)
}

impl Auth {
    /// Queues a mail. A slow or failing mail server never holds up a request; the row
    /// survives a restart.
    pub(crate) async fn send_later(&self, mut mail: Mail) -> Result<(), AuthError> {
        if self.policy.demo {
            mail.subject = format!("[MODE LATIHAN] {}", mail.subject);
        }
        self.store
            .enqueue_mail(
                &mail.to,
                &mail.subject,
                &mail.text,
                mail.html.as_deref(),
                self.now(),
            )
            .await?;
        self.mail_wakeup.notify_one();
        Ok(())
    }

    /// Nudges the worker, e.g. after the clock moved in a test or an operator fixed SMTP.
    pub fn wake_mail_worker(&self) {
        self.mail_wakeup.notify_one();
    }

    /// One pass over the due mail; returns how many were delivered.
    pub async fn deliver_due_mail(&self) -> Result<usize, AuthError> {
        let now = self.now();
        let due = self.store.claim_due_mail(now, now + LEASE_SECS, 20).await?;
        let mut delivered = 0;
        for queued in due {
            let mail = Mail {
                to: queued.to.clone(),
                subject: queued.subject.clone(),
                text: queued.text,
                html: queued.html,
            };
            match self.mailer.send(mail).await {
                Ok(()) => {
                    self.store.mail_sent(queued.id).await?;
                    delivered += 1;
                }
                Err(e) if queued.attempts >= MAX_ATTEMPTS => {
                    tracing::error!(to = %queued.to, subject = %queued.subject, attempts = queued.attempts, error = %e, "mail given up");
                    self.store
                        .mail_failed(queued.id, None, &e.to_string())
                        .await?;
                }
                Err(e) => {
                    let next = self.now() + backoff_secs(queued.attempts);
                    tracing::warn!(to = %queued.to, subject = %queued.subject, attempts = queued.attempts, retry_at = next, error = %e, "mail not delivered; will retry");
                    self.store
                        .mail_failed(queued.id, Some(next), &e.to_string())
                        .await?;
                }
            }
        }
        Ok(delivered)
    }

    /// Runs for the life of the server: delivers when woken, and every few seconds.
    pub async fn run_mail_worker(self: Arc<Self>) {
        loop {
            if let Err(e) = self.deliver_due_mail().await {
                tracing::warn!(error = %e, "mail queue could not be read");
            }
            let _ = tokio::time::timeout(POLL, self.mail_wakeup.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(5), 480);
        assert_eq!(backoff_secs(12), 4 * 3600);
        assert_eq!(backoff_secs(1000), 4 * 3600);
    }
}
