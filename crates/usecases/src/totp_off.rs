//! DISABLE TOTP from the beranda (FAQ 4): TOTP goes, and the next login activates again.

use super::{Auth, AuthError, Client, SignedIn, Subject};
use spse_domain::event::EventKind;
use spse_mail::texts::Notice;
use spse_protocol::TotpKey;

use super::login::totp_context;

impl Auth {
    /// Needs a full session and a fresh code (a stolen session alone must not take the
    /// factor off; wrong codes count toward the code lock). Every session of the user
    /// ends with it (this one too): what was signed in with the factor does not outlive
    /// it.
    pub async fn disable_totp(
        &self,
        signed_in: &SignedIn,
        typed_code: &str,
        client: &Client,
    ) -> Result<(), AuthError> {
        let user = signed_in.user();
        if let Some(sealed) = &user.totp_secret {
            let key = TotpKey::new(self.secrets.open(sealed.expose(), &totp_context(user.pk))?);
            self.code_attempt(user, client, typed_code, &key, true)
                .await?;
        }
        // The owner's own choice, with a fresh second factor: activates as the first time.
        self.store.clear_totp(user.pk, self.now(), None).await?;
        self.log_event(EventKind::TotpDisabled, Subject::Account(user), client, "")
            .await?;
        self.notify(user, Notice::TotpDisabled, client, None).await
    }
}
