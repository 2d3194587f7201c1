//! Set-password links: Lupa Password (the owner asks on a form like Reset TOTP), the
//! helpdesk's link, and the invitation of an account that has no password yet. Each
//! mails a single-use link (stored hashed, [`Policy::reset_secs`](crate::Policy)) to the
//! address on file; its page takes the new password with the rules of GANTI PASSWORD.
//! Where TOTP is active, a current code must come with it: a mailbox alone never takes
//! over an account that has a second factor.

use super::password_change::new_password;
use super::reset::at_least_floor;
use super::{Account, Auth, AuthError, Client, PasswordChangeError, ResetRequest, Staff, Subject};
use super::{UserError, login::totp_context};
use spse_domain::event::EventKind;
use spse_domain::password_link::LinkPurpose;
use spse_domain::reset::{self, ResetCode};
use spse_domain::secret::Secret;
use spse_domain::user::UserId;
use spse_mail::texts::{self, Notice};
use spse_protocol::TotpKey;
use spse_store::UserRecord;

/// The account quota of Lupa Password mails is its own: asking for a password link
/// does not use up the Reset TOTP mails, nor the other way round.
const MAIL_QUOTA: &str = "password:";

/// The parameters of a set-password link, as they arrived (`userid`, `kode`).
#[derive(Debug, Clone)]
pub struct PasswordLink {
    pub user_id: String,
    pub code: Secret<String>,
}

/// What the link's page shows about the account it opens.
#[derive(Debug, Clone)]
pub struct PasswordLinkView {
    pub user_id: String,
    /// A current TOTP code must come with the new password.
    pub totp_active: bool,
    pub purpose: LinkPurpose,
}

/// The new password as typed on the link's page.
#[derive(Debug, Clone)]
pub struct NewPasswordForm {
    pub new_password: Secret<String>,
    pub confirm_password: Secret<String>,
    /// The TOTP code, where TOTP is active; ignored otherwise.
    pub code: String,
}

impl Auth {
    /// Mails a set-password link for `purpose` to the address on file of the account
    /// `user_id`, through the mail queue: a large import queues its invitations without
    /// flooding the mail server. The link works once, for [`Policy::reset_secs`]
    /// (crate::Policy); the access log records the mail. A disabled account gets none
    /// ([`AuthError::NotAllowed`]); an unknown one is [`AuthError::NotFound`].
    pub async fn send_password_link(
        &self,
        user_id: &UserId,
        purpose: LinkPurpose,
        client: &Client,
    ) -> Result<(), AuthError> {
        let user = self
            .store
            .user_by_key(&user_id.key())
            .await?
            .ok_or(AuthError::NotFound)?;
        if user.disabled {
            return Err(AuthError::NotAllowed);
        }
        self.mail_password_link(&user, purpose).await?;
        self.log_event(
            EventKind::PasswordLinkSent,
            Subject::Account(&user),
            client,
            purpose.as_str(),
        )
        .await
    }

    /// The helpdesk's button and command: a link to the address on file, logged under
    /// the staff member's name. Staff never see the link, nor set a password.
    pub async fn staff_send_password_link(
        &self,
        staff: &Staff,
        typed_user_id: &str,
        client: &Client,
    ) -> Result<Account, UserError> {
        let user = self.find_user(typed_user_id).await?;
        if !staff.may_act_on(&user) || user.disabled {
            return Err(AuthError::NotAllowed.into());
        }
        let detail = format!("helpdesk; by staff {}", staff.name());
        self.mail_password_link(&user, LinkPurpose::Helpdesk)
            .await?;
        self.log_event(
            EventKind::PasswordLinkSent,
            Subject::Account(&user),
            client,
            &detail,
        )
        .await?;
        Ok(Account::from(&user))
    }

    /// Stores a new link and queues its mail; the caller logs it.
    async fn mail_password_link(
        &self,
        user: &UserRecord,
        purpose: LinkPurpose,
    ) -> Result<(), AuthError> {
        let now = self.now();
        let code = ResetCode::generate();
        self.store
            .insert_password_link(
                user.pk,
                &code.hash(),
                purpose.as_str(),
                now,
                now + self.policy.reset_secs,
            )
            .await?;
        let link = self.mailed_link(
            "/user/setpassword",
            &[("userid", user.user_id.as_str()), ("kode", code.as_str())],
        );
        let minutes = self.policy.reset_secs / 60;
        // Only ever the address on file (GitLab CVE-2023-7028).
        let mail =
            texts::password_link(&user.email, user.user_id.as_str(), &link, minutes, purpose);
        self.send_later(mail).await
    }

    /// The Lupa Password form. Mails a link when user ID, email and kind all match an
    /// enabled account; otherwise does nothing visible. Either way the caller shows the
    /// same page, and this takes as long as a Reset TOTP request.
    pub async fn request_password_reset(
        &self,
        request: &ResetRequest,
        client: &Client,
    ) -> Result<(), AuthError> {
        at_least_floor(async {
            let event = EventKind::PasswordResetRequested;
            let Some(user) = self.matching_account(request, client, event).await? else {
                return Ok(());
            };
            if !self.claim_mail(&user, MAIL_QUOTA, client, event).await? {
                return Ok(());
            }
            self.mail_password_link(&user, LinkPurpose::Reset).await?;
            // The same entry as a miss, but for its detail, in the owner's log only.
            self.log_event(event, Subject::Account(&user), client, "mailed")
                .await
        })
        .await
    }

    /// What a link opens, if it still does. Changes nothing.
    pub async fn password_link_view(
        &self,
        link: &PasswordLink,
    ) -> Result<PasswordLinkView, AuthError> {
        let (user, _, purpose) = self.open_password_link(link).await?;
        Ok(PasswordLinkView {
            user_id: user.user_id.to_string(),
            totp_active: user.totp_secret.is_some(),
            purpose,
        })
    }

    async fn open_password_link(
        &self,
        link: &PasswordLink,
    ) -> Result<(UserRecord, ResetCode, LinkPurpose), AuthError> {
        let invalid = AuthError::PasswordLinkInvalid;
        let code = ResetCode::parse(link.code.expose()).ok_or(invalid)?;
        let user_id = UserId::parse(&link.user_id).map_err(|_| AuthError::PasswordLinkInvalid)?;
        let stored = self
            .store
            .password_link(&code.hash())
            .await?
            .ok_or(AuthError::PasswordLinkInvalid)?;
        let user = self
            .store
            .user_by_key(&user_id.key())
            .await?
            .ok_or(AuthError::PasswordLinkInvalid)?;
        let purpose = LinkPurpose::parse(&stored.purpose).ok_or(AuthError::PasswordLinkInvalid)?;
        if user.pk != stored.user_pk
            || user.disabled
            || !reset::code_usable(stored.expires_at, stored.used_at, self.now())
        {
            return Err(AuthError::PasswordLinkInvalid);
        }
        Ok((user, code, purpose))
    }

    /// Sets the password through a link. The rules of GANTI PASSWORD apply first (a typo
    /// costs nothing); where TOTP is active, a current code is checked next and counted
    /// like one at login (an empty one is a wrong one). Then, in one transaction, the
    /// link and the account's other links are used, the password set, its lock lifted
    /// and every session ended; the owner is told. It never logs anyone in.
    pub async fn set_password_with_link(
        &self,
        link: &PasswordLink,
        form: &NewPasswordForm,
        client: &Client,
    ) -> Result<Account, PasswordChangeError> {
        let (user, code, purpose) = self.open_password_link(link).await?;
        let new = new_password(
            &user,
            form.new_password.expose(),
            form.confirm_password.expose(),
        )?;
        if let Some(sealed) = &user.totp_secret {
            let secret = self
                .secrets
                .open(sealed.expose(), &totp_context(user.pk))
                .map_err(AuthError::from)?;
            let key = TotpKey::new(secret);
            self.code_attempt(&user, client, &form.code, &key, true)
                .await?;
        }
        let hash = self.hasher.hash(new.as_str().to_string()).await?;
        if !self
            .store
            .redeem_password_link(user.pk, &code.hash(), self.now(), &hash)
            .await?
        {
            return Err(AuthError::PasswordLinkInvalid.into());
        }
        self.sessions_ended();
        let how = if user.totp_secret.is_some() {
            "with TOTP code"
        } else {
            "without TOTP"
        };
        let detail = format!("{} link; {how}; every session ended", purpose.as_str());
        self.log_event(
            EventKind::PasswordReset,
            Subject::Account(&user),
            client,
            &detail,
        )
        .await?;
        self.notify(&user, Notice::PasswordReset, client, None)
            .await?;
        Ok(Account::from(&user))
    }
}
