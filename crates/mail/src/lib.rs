//! Outgoing mail. Use cases hand a [`Mail`] to a [`Mailer`]; which one is chosen once,
//! at start: SMTP when `SPSE_SMTP_URL` is set, else the file outbox (always in demo mode).
//! Use cases never call a mailer directly: they queue the mail (`Auth::send_later`) and
//! the queue's worker delivers it.

mod outbox;
mod smtp;

use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, MultiPart, SinglePart};

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

/// The plain text as it is (7bit) whenever RFC 5322 allows it (ASCII, lines of at most
/// 998 characters), so the reset link stays whole and clickable in an `.eml` file read
/// as text; lettre's own choice would fold it in quoted-printable past 76 characters.
fn readable_body(text: &str) -> Body {
    let crlf = text
        .replace("\r\n", "\n")
        .replace('\r', "")
        .replace('\n', "\r\n");
    let seven_bit = crlf.bytes().all(|b| b.is_ascii() && b != 0)
        && crlf.split("\r\n").all(|line| line.len() <= 998);
    if seven_bit {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(text.to_string())
    }
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
    let plain = readable_body(&mail.text);
    let built = match &mail.html {
        None => builder.header(ContentType::TEXT_PLAIN).body(plain),
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(plain),
                )
                .singlepart(SinglePart::html(html.clone())),
        ),
    };
    built.map_err(|e| MailError::Build(e.to_string()))
}

pub mod texts;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_links_stay_on_one_line_in_the_plain_text() {
        let link = format!(
            "http://127.0.0.1:8080/user/resettotp?userid=PPK1&isRekanan=0&kode={}",
            "a".repeat(64)
        );
        let mail = Mail {
            to: "ppk1@lpse.example.go.id".into(),
            subject: "Konfirmasi Permintaan Reset TOTP".into(),
            text: format!("Halo,\n\n{link}\n"),
            html: Some("<p>Halo</p>".into()),
        };
        let message = build_message("LPSE <noreply@localhost>", &mail).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains(&format!("\r\n{link}\r\n")), "{text}");
        assert!(text.contains("Content-Transfer-Encoding: 7bit"));
        let accented = Mail {
            text: "Salam, Andr\u{e9}".into(),
            html: None,
            ..mail
        };
        assert!(build_message("a@b.id", &accented).is_ok());
    }
}
