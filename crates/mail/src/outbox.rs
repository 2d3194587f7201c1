//! Mail written as `.eml` files into a folder: the default when no SMTP server is set,
//! and what demo mode uses so that a trial never mails anyone.

use std::path::PathBuf;

use async_trait::async_trait;

use super::{Mail, MailError, Mailer, build_message};
use spse_domain::token;

pub struct Outbox {
    dir: PathBuf,
    from: String,
}

impl Outbox {
    pub fn new(dir: PathBuf, from: String) -> Self {
        Self { dir, from }
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = build_message(&self.from, &mail)?;
        tokio::fs::create_dir_all(&self.dir).await?;
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let name = format!("{stamp}-{}.eml", token::random_hex(4));
        // Written under a temporary name and renamed, so a reader never sees half a mail.
        let partial = self.dir.join(format!(".{name}.part"));
        tokio::fs::write(&partial, message.formatted()).await?;
        tokio::fs::rename(&partial, self.dir.join(&name)).await?;
        tracing::info!(to = %mail.to, subject = %mail.subject, file = %name, "mail written to the outbox");
        Ok(())
    }
}
