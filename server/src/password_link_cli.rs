//! `spse-auth user send-password-link ID`: the helpdesk mails a link to choose a new
//! password to the address on file. Staff never see the link, nor set a password.

use spse_i18n::Texts;
use spse_usecases::{Auth, Client, Staff};

use crate::cli::user_error;

/// Queues the link and delivers it before the command exits (no worker runs in this
/// process); if delivery fails it stays queued for the server's worker.
pub(crate) async fn send(
    auth: &Auth,
    staff: &Staff,
    user_id: &str,
    t: Texts,
) -> anyhow::Result<()> {
    let client = Client {
        ip: "local".into(),
        user_agent: "spse-auth command line".into(),
        trusted_browser: None,
    };
    let user = auth
        .staff_send_password_link(staff, user_id, &client)
        .await
        .map_err(|e| user_error(t, e))?;
    if let Err(e) = auth.deliver_due_mail().await {
        tracing::warn!(error = %e, "password link left in the mail queue");
    }
    println!(
        "{}",
        t.fill("cli_password_link_sent", &[("user_id", &user.user_id)])
    );
    Ok(())
}
