//! Outgoing mail. Use cases hand a [`Mail`] to a [`Mailer`]; which one is chosen once,
//! at start: SMTP when `SPSE_SMTP_URL` is set, else the file outbox (always in demo mode).
//! Use cases never call a mailer directly: they queue the mail (`Auth::send_later`) and
//! the queue's worker delivers it.

mod outbox;
mod smtp;

use async_trait::async_trait;

pub use outbox::Outbox;
pub use smtp::Smtp;

/// A message to one recipient, already rendered.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// An HTML alternative; the message is then multipart/alternative.
    pub html: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("address {0:?} is not usable")]
    Address(String),
    #[error("message could not be built: {0}")]
    Build(String),
    #[error("outbox: {0}")]
    Io(#[from] std::io::Error),
    #[error("SMTP: {0}")]
    Smtp(String),
}

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: Mail) -> Result<(), MailError>;
}

/// Builds the RFC 5322 message that every transport sends.
pub fn build_message(from: &str, mail: &Mail) -> Result<lettre::Message, MailError> {
    let from = from
        .parse()
        .map_err(|_| MailError::Address(from.to_string()))?;
    let to = mail
        .to
        .parse()
        .map_err(|_| MailError::Address(mail.to.clone()))?;
    let builder = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject);
    let built = match &mail.html {
        None => builder
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(mail.text.clone()),
        Some(html) => builder.multipart(lettre::message::MultiPart::alternative_plain_html(
            mail.text.clone(),
            html.clone(),
        )),
    };
    built.map_err(|e| MailError::Build(e.to_string()))
}

pub mod texts;
