//! Queueing mail and delivering the queue: a request only writes a row; a worker started
//! with the server sends it, retries with backoff, and picks up what a restart left.
//! Bodies carry reset links and codes, so they wait sealed with the server's key, bound
//! to recipient and subject: a row redirected to another address does not open.

use std::sync::Arc;
use std::time::Duration;

use super::{Auth, AuthError};
use spse_mail::Mail;
use spse_store::{QueuedMail, StoreError};

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
    pub(crate) async fn send_later(&self, mail: Mail) -> Result<(), AuthError> {
        let mut mail = spse_mail::texts::with_help(mail, &self.policy.helpdesk);
        if self.policy.demo {
            mail.subject = format!("[MODE LATIHAN] {}", mail.subject);
        }
        let sealed_text = self.secrets.seal(
            mail.text.as_bytes(),
            &mail_context(&mail.to, &mail.subject, Part::Text),
        );
        let sealed_html = mail.html.as_ref().map(|html| {
            self.secrets.seal(
                html.as_bytes(),
                &mail_context(&mail.to, &mail.subject, Part::Html),
            )
        });
        self.store
            .enqueue_mail(
                &mail.to,
                &mail.subject,
                &sealed_text,
                sealed_html.as_deref(),
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
            let Some(mail) = self.open_mail(&queued) else {
                tracing::error!(to = %queued.to, subject = %queued.subject, "queued mail does not open with this key (wrong key file or altered row); given up");
                self.store
                    .mail_failed(queued.id, None, "sealed body does not open")
                    .await?;
                continue;
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

    fn open_mail(&self, queued: &QueuedMail) -> Option<Mail> {
        let open = |sealed: &[u8], part| {
            let context = mail_context(&queued.to, &queued.subject, part);
            let bytes = self.secrets.open(sealed, &context).ok()?;
            String::from_utf8(bytes).ok()
        };
        let html = match &queued.sealed_html {
            Some(sealed) => Some(open(sealed, Part::Html)?),
            None => None,
        };
        Some(Mail {
            to: queued.to.clone(),
            subject: queued.subject.clone(),
            text: open(&queued.sealed_text, Part::Text)?,
            html,
        })
    }

    /// Seals the bodies of mail an older version queued in plain text; run at start,
    /// before the worker, which sends only sealed mail.
    pub async fn seal_plain_mail(&self) -> Result<usize, StoreError> {
        let mut sealed = 0;
        loop {
            let plain = self.store.plain_mail(100).await?;
            if plain.is_empty() {
                return Ok(sealed);
            }
            for mail in plain {
                let text = self.secrets.seal(
                    mail.text.expose().as_bytes(),
                    &mail_context(&mail.to, &mail.subject, Part::Text),
                );
                let html = mail.html.as_ref().map(|html| {
                    self.secrets.seal(
                        html.expose().as_bytes(),
                        &mail_context(&mail.to, &mail.subject, Part::Html),
                    )
                });
                self.store
                    .seal_plain_mail(mail.id, &text, html.as_deref())
                    .await?;
                sealed += 1;
            }
        }
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

#[derive(Clone, Copy)]
enum Part {
    Text,
    Html,
}

/// What a sealed body is bound to. The address's length fixes where it ends, so no
/// recipient and subject can be split differently into the same bytes.
fn mail_context(to: &str, subject: &str, part: Part) -> Vec<u8> {
    let part = match part {
        Part::Text => "text",
        Part::Html => "html",
    };
    format!("mail:{part}:{}:{to}:{subject}", to.len()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::{Part, backoff_secs, mail_context};

    #[test]
    fn the_context_names_recipient_subject_and_part() {
        let base = mail_context("a@x.go.id", "Subjek", Part::Text);
        assert_ne!(base, mail_context("b@x.go.id", "Subjek", Part::Text));
        assert_ne!(base, mail_context("a@x.go.id", "Lain", Part::Text));
        assert_ne!(base, mail_context("a@x.go.id", "Subjek", Part::Html));
        assert_ne!(
            mail_context("a:b", "c", Part::Text),
            mail_context("a", "b:c", Part::Text)
        );
    }

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(5), 480);
        assert_eq!(backoff_secs(12), 4 * 3600);
        assert_eq!(backoff_secs(1000), 4 * 3600);
    }
}
