//! DISABLE TOTP from the beranda (FAQ 4): TOTP goes, and the next login activates again.

use super::{Auth, AuthError, Client, SignedIn, Subject};
use spse_domain::event::EventKind;
use spse_mail::texts::Notice;

impl Auth {
    /// Needs a full session. Every session of the user ends with it (this one too): what
    /// was signed in with the factor does not outlive it.
    pub async fn disable_totp(
        &self,
        signed_in: &SignedIn,
        client: &Client,
    ) -> Result<(), AuthError> {
        let user = signed_in.user();
        self.store.clear_totp(user.pk, self.now()).await?;
        self.log_event(EventKind::TotpDisabled, Subject::Account(user), client, "")
            .await?;
        self.notify(user, Notice::TotpDisabled, client, None).await
    }
}
