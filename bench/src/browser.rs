//! The kit's browser stand-in as the bench drives it: named as the bench in the access
//! log, always a Non Penyedia account with the kit's password, failures returned to be
//! counted rather than panicking.

use anyhow::Context as _;
use spse_testkit::{Browser, PASSWORD, Page, UserKind};

const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) spse-bench";
pub const KIND: UserKind = UserKind::NonPenyedia;

/// A new visitor: its own cookie jar and keep-alive connection.
pub fn new(base: &str) -> Browser {
    Browser::with_user_agent(base, AGENT)
}

/// The whole password step, ending where the server sends the browser.
pub async fn password_step(browser: &Browser, user_id: &str) -> anyhow::Result<String> {
    let page = browser.try_password_step(KIND, user_id, PASSWORD).await?;
    next_path(&page)
}

fn next_path(page: &Page) -> anyhow::Result<String> {
    page.location()
        .map(str::to_string)
        .with_context(|| format!("password step answered {}", page.status))
}
