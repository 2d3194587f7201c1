//! DISABLE TOTP from the beranda (FAQ 4): TOTP goes, and the next login activates again.
//! It needs a fresh second factor: a code typed on the page, or an approval in the app
//! asked for from this signed-in session.

use super::{Auth, AuthError, Client, SignedIn, Subject};
use spse_domain::event::EventKind;
use spse_mail::texts::Notice;
use spse_protocol::TotpKey;
use spse_store::{ApprovalPurpose, ApprovalState};

use super::approval::APPROVAL_SECS;
use super::login::totp_context;

/// The second factor that confirms DISABLE TOTP.
#[derive(Debug, Clone, Copy)]
pub enum DisableProof<'a> {
    Code(&'a str),
    /// The approval this session asked for with [`Auth::ask_disable_approval`].
    Approval,
}

/// Why an approval cannot confirm DISABLE TOTP (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalNotGiven {
    /// No bound device, too many waiting, paused, none asked for, expired or used.
    Unavailable,
    /// Asked for, not decided yet.
    Waiting,
    /// Declined in the app.
    Refused,
}

/// An approval waiting in the app: the number to type there, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AskedApproval {
    pub number: i64,
    pub expires_at: i64,
}

impl Auth {
    /// Needs a full session and a fresh second factor (a stolen session alone must not
    /// take the factor off; wrong codes count toward the code lock, wrong numbers in the
    /// app toward the device's). Every session of the user ends with it (this one too):
    /// what was signed in with the factor does not outlive it.
    pub async fn disable_totp(
        &self,
        signed_in: &SignedIn,
        proof: DisableProof<'_>,
        client: &Client,
    ) -> Result<(), AuthError> {
        let user = signed_in.user();
        let how = match (&user.totp_secret, proof) {
            (None, _) => "",
            (Some(sealed), DisableProof::Code(typed_code)) => {
                let key = TotpKey::new(self.secrets.open(sealed.expose(), &totp_context(user.pk))?);
                self.code_attempt(user, client, typed_code, &key, true)
                    .await?;
                "code"
            }
            (Some(_), DisableProof::Approval) => {
                self.take_disable_approval(signed_in).await?;
                "approval"
            }
        };
        // The owner's own choice, with a fresh second factor: activates as the first time.
        self.store.clear_totp(user.pk, self.now(), None).await?;
        self.sessions_ended();
        self.log_event(EventKind::TotpDisabled, Subject::Account(user), client, how)
            .await?;
        self.notify(user, Notice::TotpDisabled, client, None).await
    }

    /// Asks the account's app to approve DISABLE TOTP from this session, under the same
    /// limits as a login's approvals.
    pub async fn ask_disable_approval(
        &self,
        signed_in: &SignedIn,
    ) -> Result<AskedApproval, AuthError> {
        let user = signed_in.user();
        if user.totp_secret.is_none() {
            return Err(AuthError::WrongStep);
        }
        let asked = self
            .ask_approval(user, signed_in.record(), ApprovalPurpose::DisableTotp)
            .await?
            .ok_or(AuthError::Approval(ApprovalNotGiven::Unavailable))?;
        Ok(AskedApproval {
            number: asked.number,
            expires_at: asked.expires_at,
        })
    }

    /// Whether an approval in the app can confirm DISABLE TOTP: TOTP is active and an
    /// SPSE Authenticator is bound (a plain RFC 6238 app gives codes only).
    pub async fn can_approve_disable(&self, signed_in: &SignedIn) -> Result<bool, AuthError> {
        let user = signed_in.user();
        Ok(user.totp_secret.is_some() && self.store.active_device(user.pk).await?.is_some())
    }

    /// The approval this session asked for, if one is waiting in the app.
    pub async fn disable_approval_waiting(
        &self,
        signed_in: &SignedIn,
    ) -> Result<Option<AskedApproval>, AuthError> {
        let latest = self
            .store
            .latest_approval_for_session(&signed_in.record().id_hash)
            .await?;
        Ok(latest
            .filter(|a| {
                a.purpose == ApprovalPurpose::DisableTotp
                    && a.state == ApprovalState::Pending
                    && a.expires_at > self.now()
            })
            .map(|a| AskedApproval {
                number: a.number,
                expires_at: a.expires_at,
            }))
    }

    /// Uses up this session's approved DISABLE TOTP approval: approved in the app, and
    /// taken within [`APPROVAL_SECS`] after its own deadline, once.
    async fn take_disable_approval(&self, signed_in: &SignedIn) -> Result<(), AuthError> {
        let not_given = AuthError::Approval;
        let approval = self
            .store
            .latest_approval_for_session(&signed_in.record().id_hash)
            .await?
            .filter(|a| a.purpose == ApprovalPurpose::DisableTotp)
            .ok_or(not_given(ApprovalNotGiven::Unavailable))?;
        let now = self.now();
        match approval.state {
            ApprovalState::Pending if approval.expires_at > now => {
                Err(not_given(ApprovalNotGiven::Waiting))
            }
            ApprovalState::Denied | ApprovalState::NotMe => {
                Err(not_given(ApprovalNotGiven::Refused))
            }
            ApprovalState::Approved
                if now < approval.expires_at + APPROVAL_SECS
                    && self.store.consume_approval(&approval.id).await? =>
            {
                Ok(())
            }
            _ => Err(not_given(ApprovalNotGiven::Unavailable)),
        }
    }
}
