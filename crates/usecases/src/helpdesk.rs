//! Helpdesk (FAQ 5): reset TOTP, unlock, disable and enable an account, from the CLI or
//! the `/admin` console. Every action names the staff member and is mailed to the user.
//! Staff never see a secret and never set a password.

use super::{Auth, AuthError, Client, UserError};
use spse_domain::event::EventKind;
use spse_domain::user::Role;
use spse_mail::texts::Notice;
use spse_store::{EventRecord, Factor, SessionRecord, UserRecord};

/// Who acts: a staff account's user ID, or `cli:<login>` for the command line.
#[derive(Debug, Clone)]
pub struct Staff {
    pub name: String,
    /// Helpdesk acts on ordinary accounts only; admins (and the command line, run by
    /// whoever holds the server's files) on any.
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    ResetTotp,
    Unlock,
    Disable,
    Enable,
}

impl Auth {
    /// The staff member behind a full session; [`AuthError::NotAllowed`] for anyone else.
    pub async fn staff_user(&self, session: &SessionRecord) -> Result<UserRecord, AuthError> {
        let user = self.full_user(session).await?;
        match user.role {
            Role::Helpdesk | Role::Admin => Ok(user),
            Role::User => Err(AuthError::NotAllowed),
        }
    }

    pub async fn staff_act(
        &self,
        staff: &Staff,
        typed_user_id: &str,
        action: StaffAction,
        client: &Client,
    ) -> Result<UserRecord, UserError> {
        let user = self.find_user(typed_user_id).await?;
        if staff.role == Role::Helpdesk && user.role != Role::User {
            return Err(AuthError::NotAllowed.into());
        }
        let now = self.now();
        let (kind, notice) = match action {
            StaffAction::ResetTotp => {
                self.store.clear_totp(user.pk, now).await?;
                (EventKind::HelpdeskTotpReset, Notice::HelpdeskTotpReset)
            }
            StaffAction::Unlock => {
                self.store.clear_failures(user.pk, Factor::Password).await?;
                self.store.clear_failures(user.pk, Factor::Totp).await?;
                (EventKind::HelpdeskUnlock, Notice::HelpdeskUnlock)
            }
            StaffAction::Disable => {
                self.store.set_disabled(user.pk, true).await?;
                (EventKind::HelpdeskDisable, Notice::HelpdeskDisable)
            }
            StaffAction::Enable => {
                self.store.set_disabled(user.pk, false).await?;
                (EventKind::HelpdeskEnable, Notice::HelpdeskEnable)
            }
        };
        let detail = format!("by staff {}", staff.name);
        self.log_event(kind, Some(&user), "", client, &detail)
            .await?;
        self.notify(&user, notice, client, Some(&staff.name))
            .await?;
        self.store
            .user_by_pk(user.pk)
            .await?
            .ok_or(UserError::NotFound)
    }

    /// A user's access log, newest first, as staff (and later the user) see it.
    pub async fn access_log(
        &self,
        user: &UserRecord,
        limit: i64,
    ) -> Result<Vec<EventRecord>, AuthError> {
        Ok(self.store.events_for_user(user.pk, limit).await?)
    }
}
