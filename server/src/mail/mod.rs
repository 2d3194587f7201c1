//! Outgoing mail. Use cases hand a [`Mail`] to a [`Mailer`]; which one is chosen once,
//! at start: the file outbox by default (and always in demo mode).

mod outbox;

use async_trait::async_trait;

pub use outbox::Outbox;

/// A message to one recipient, already rendered.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("address {0:?} is not usable")]
    Address(String),
    #[error("message could not be built: {0}")]
    Build(String),
    #[error("outbox: {0}")]
    Io(#[from] std::io::Error),
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
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| MailError::Build(e.to_string()))
}

pub mod texts;
