//! DISABLE TOTP from the beranda (FAQ 4): TOTP goes, and the next login activates again.

use super::{Auth, AuthError, Client};
use spse_domain::event::EventKind;
use spse_mail::texts::Notice;
use spse_store::SessionRecord;

impl Auth {
    /// Needs a full session. Every session of the user ends with it (this one too): what
    /// was signed in with the factor does not outlive it.
    pub async fn disable_totp(
        &self,
        session: &SessionRecord,
        client: &Client,
    ) -> Result<(), AuthError> {
        let user = self.full_user(session).await?;
        self.store.clear_totp(user.pk, self.now()).await?;
        self.log_event(EventKind::TotpDisabled, Some(&user), "", client, "")
            .await?;
        self.notify(&user, Notice::TotpDisabled, client, None).await
    }
}
