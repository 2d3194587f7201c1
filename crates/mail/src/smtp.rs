//! Delivery over SMTP with lettre: `smtps://` (TLS from the start) or `smtp://` (STARTTLS
//! whenever the server offers it, unless the URL says `?tls=required`), with optional
//! credentials in the URL.

use std::time::Duration;

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Mail, MailError, Mailer, build_message};

/// How long one SMTP exchange may take before it counts as a failure (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
}

impl Smtp {
    /// Checks the URL once, at start; a bad one stops the start with its reason.
    pub fn new(url: &str, from: String) -> Result<Self, MailError> {
        let url = with_opportunistic_tls(url)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| MailError::Smtp(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self { transport, from })
    }
}

/// lettre reads a bare `smtp://` as plain text; here it means STARTTLS when offered.
fn with_opportunistic_tls(text: &str) -> Result<String, MailError> {
    let mut url = url::Url::parse(text).map_err(|e| MailError::Smtp(e.to_string()))?;
    match url.scheme() {
        "smtps" => {}
        "smtp" => {
            if !url.query_pairs().any(|(k, _)| k == "tls") {
                url.query_pairs_mut().append_pair("tls", "opportunistic");
            }
        }
        other => {
            return Err(MailError::Smtp(format!(
                "{other}:// is neither smtp:// nor smtps://"
            )));
        }
    }
    Ok(url.to_string())
}

#[async_trait]
impl Mailer for Smtp {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = build_message(&self.from, &mail)?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Smtp(e.to_string()))?;
        tracing::info!(to = %mail.to, subject = %mail.subject, "mail accepted by the SMTP server");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_urls_ask_for_starttls_when_offered() {
        assert_eq!(
            with_opportunistic_tls("smtp://user:pw@mail.example:587").unwrap(),
            "smtp://user:pw@mail.example:587?tls=opportunistic"
        );
        assert_eq!(
            with_opportunistic_tls("smtp://mail.example:25?tls=required").unwrap(),
            "smtp://mail.example:25?tls=required"
        );
        assert_eq!(
            with_opportunistic_tls("smtps://mail.example").unwrap(),
            "smtps://mail.example"
        );
        assert!(with_opportunistic_tls("http://mail.example").is_err());
        assert!(Smtp::new("smtp://mail.example:2525", "a@b.id".into()).is_ok());
    }
}
