//! Activation tickets: after TOTP is reset (by the mailed link or by the helpdesk) the
//! password alone must not bind a new phone, or someone who knows it and keeps trying
//! takes the account the moment its owner resets. The next activation needs a ticket:
//! held by the browser that confirmed the reset link, or carried by a link mailed to the
//! address on file. A first activation of a new account needs none, as the guide shows.

use spse_domain::event::EventKind;
use spse_domain::secret::Secret;
use spse_domain::token;
use spse_domain::user::UserId;
use spse_store::{NewTicket, UserRecord};

use super::{Account, Auth, AuthError, Client, Subject};

/// A fresh mailed link no more often than this, however often the password is tried.
const RESEND_SECS: i64 = 10 * 60;

/// The raw ticket, as it travels in a cookie or a mailed link and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationTicket(pub String);

impl std::fmt::Debug for ActivationTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActivationTicket(..)")
    }
}

/// The parameters of a mailed activation link, as they arrived.
#[derive(Debug, Clone)]
pub struct TicketLink {
    pub user_id: String,
    pub code: Secret<String>,
}

impl Auth {
    /// A new ticket for `user`, living as long as a reset link.
    pub(crate) fn new_ticket(
        &self,
        user: &UserRecord,
        mailed: bool,
    ) -> (ActivationTicket, NewTicket) {
        let raw = token::random_hex(32);
        let now = self.now();
        let stored = NewTicket {
            user_pk: user.pk,
            hash: Secret::new(token::hash(&raw)),
            created_at: now,
            expires_at: now + self.policy.reset_secs,
            mailed,
        };
        (ActivationTicket(raw), stored)
    }

    /// Whether this login may activate TOTP: always for an account never reset, else
    /// only with one of its unexpired tickets. Without one, a fresh link is mailed to the
    /// address on file (at most every ten minutes) and the login is refused.
    pub(crate) async fn check_activation_ticket(
        &self,
        user: &UserRecord,
        ticket: Option<&str>,
        client: &Client,
    ) -> Result<(), AuthError> {
        if user.totp_reset_at.is_none() {
            return Ok(());
        }
        let now = self.now();
        if let Some(raw) = ticket
            && self
                .store
                .ticket_valid(user.pk, &token::hash(raw), now)
                .await?
        {
            return Ok(());
        }
        let newest = self.store.newest_mailed_ticket_at(user.pk, now).await?;
        let detail = if newest.is_some_and(|at| now - at < RESEND_SECS) {
            "no ticket; link mailed recently"
        } else {
            self.mail_activation_link(user).await?;
            "no ticket; link mailed"
        };
        self.log_event(
            EventKind::ActivationRefused,
            Subject::Account(user),
            client,
            detail,
        )
        .await?;
        Err(AuthError::ActivationTicketRequired)
    }

    /// Mails a fresh activation link to the address on file.
    pub(crate) async fn mail_activation_link(&self, user: &UserRecord) -> Result<(), AuthError> {
        let (ticket, stored) = self.new_ticket(user, true);
        self.store.put_ticket(&stored).await?;
        self.send_activation_link(user, &ticket).await
    }

    pub(crate) async fn send_activation_link(
        &self,
        user: &UserRecord,
        ticket: &ActivationTicket,
    ) -> Result<(), AuthError> {
        let link = self.mailed_link(
            "/totp/aktivasi/tiket",
            &[("userid", user.user_id.as_str()), ("kode", &ticket.0)],
        );
        let mail = spse_mail::texts::activation_link(
            &user.email,
            user.user_id.as_str(),
            &link,
            self.policy.reset_secs / 60,
        );
        self.send_later(mail).await
    }

    /// Opens a mailed activation link: the account it is for, if it still holds. Changes
    /// nothing; the browser keeps the ticket until the activation uses it.
    pub async fn open_ticket_link(&self, link: &TicketLink) -> Result<Account, AuthError> {
        let user_id = UserId::parse(&link.user_id).map_err(|_| AuthError::TicketInvalid)?;
        let user = self
            .store
            .user_by_key(&user_id.key())
            .await?
            .filter(|u| !u.disabled && u.totp_secret.is_none())
            .ok_or(AuthError::TicketInvalid)?;
        let hash = token::hash(link.code.expose());
        if !self.store.ticket_valid(user.pk, &hash, self.now()).await? {
            return Err(AuthError::TicketInvalid);
        }
        Ok(Account::from(&user))
    }

    /// How long a ticket lives, for the cookie that holds it.
    pub fn ticket_secs(&self) -> i64 {
        self.policy.reset_secs
    }
}
