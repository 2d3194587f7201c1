//! Helpdesk (FAQ 5): reset TOTP, unlock, disable and enable an account, from the CLI or
//! the `/admin` console. Every action names the staff member and is mailed to the user.
//! Staff never see a secret and never set a password.

use super::{Account, Auth, AuthError, Client, Staff, Subject, UserError};
use spse_domain::event::EventKind;
use spse_mail::texts::Notice;
use spse_store::{EventRecord, Factor, UserRecord};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    ResetTotp,
    Unlock,
    Disable,
    Enable,
}

impl Auth {
    pub async fn staff_act(
        &self,
        staff: &Staff,
        typed_user_id: &str,
        action: StaffAction,
        client: &Client,
    ) -> Result<Account, UserError> {
        let user = self.find_user(typed_user_id).await?;
        if !staff.may_act_on(&user) {
            return Err(AuthError::NotAllowed.into());
        }
        let now = self.now();
        let (kind, notice) = match action {
            StaffAction::ResetTotp => {
                // The next activation needs the link mailed now to the address on file.
                let (ticket, stored) = self.new_ticket(&user, true);
                self.store.clear_totp(user.pk, now, Some(&stored)).await?;
                self.sessions_ended();
                self.send_activation_link(&user, &ticket).await?;
                (EventKind::HelpdeskTotpReset, Notice::HelpdeskTotpReset)
            }
            StaffAction::Unlock => {
                self.store.clear_failures(user.pk, Factor::Password).await?;
                self.store.clear_failures(user.pk, Factor::Totp).await?;
                (EventKind::HelpdeskUnlock, Notice::HelpdeskUnlock)
            }
            StaffAction::Disable => {
                self.disable_account(user.pk).await?;
                (EventKind::HelpdeskDisable, Notice::HelpdeskDisable)
            }
            StaffAction::Enable => {
                self.store.set_disabled(user.pk, false).await?;
                (EventKind::HelpdeskEnable, Notice::HelpdeskEnable)
            }
        };
        let detail = format!("by staff {}", staff.name());
        self.log_event(kind, Subject::Account(&user), client, &detail)
            .await?;
        self.notify(&user, notice, client, Some(staff.name()))
            .await?;
        self.store
            .user_by_pk(user.pk)
            .await?
            .as_ref()
            .map(Account::from)
            .ok_or(UserError::NotFound)
    }

    /// Disables an account and ends its sessions at once, and with them its OpenID
    /// tokens (a token is good only while its session lives); the back-channel worker
    /// then tells the modules. The helpdesk's disable and SCIM's both come here.
    pub(crate) async fn disable_account(&self, user_pk: i64) -> Result<(), AuthError> {
        self.store.set_disabled(user_pk, true).await?;
        self.sessions_ended();
        Ok(())
    }

    /// The account behind a typed user ID, if this staff member may see it: helpdesk
    /// staff are told of no staff account, as if it did not exist.
    async fn visible_user(
        &self,
        staff: &Staff,
        typed_user_id: &str,
    ) -> Result<UserRecord, UserError> {
        let user = self.find_user(typed_user_id).await?;
        if !staff.may_act_on(&user) {
            return Err(UserError::NotFound);
        }
        Ok(user)
    }

    /// An account as staff see it: never its secrets.
    pub async fn find_account(
        &self,
        staff: &Staff,
        typed_user_id: &str,
    ) -> Result<Account, UserError> {
        Ok(Account::from(
            &self.visible_user(staff, typed_user_id).await?,
        ))
    }

    /// Every account this staff member may see, for the command line's list.
    pub async fn list_accounts(&self, staff: &Staff) -> Result<Vec<Account>, UserError> {
        Ok(self
            .list_users()
            .await?
            .iter()
            .filter(|user| staff.may_act_on(user))
            .map(Account::from)
            .collect())
    }

    /// An account and its newest `limit` access-log entries, as the console shows them.
    pub async fn account_log(
        &self,
        staff: &Staff,
        typed_user_id: &str,
        limit: i64,
    ) -> Result<(Account, Vec<EventRecord>), UserError> {
        let user = self.visible_user(staff, typed_user_id).await?;
        let events = self.store.events_for_user(user.pk, limit).await?;
        Ok((Account::from(&user), events))
    }
}
