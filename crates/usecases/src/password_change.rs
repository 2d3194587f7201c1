//! GANTI PASSWORD, and the new password a login must choose after a "not me".

use super::{
    Auth, AuthError, Client, Failure, PasswordOutcome, Session, SessionToken, SignedIn, Subject,
};
use spse_domain::event::EventKind;
use spse_domain::password::{self, NewPassword, PasswordError};
use spse_domain::session::Stage;
use spse_store::{Factor, Reservation, SessionRecord, UserRecord};

/// Why a password change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("new password refused: {0}")]
    Rules(#[from] PasswordError),
    #[error("the confirmation differs from the new password")]
    Mismatch,
    /// Counted toward the password lockout like a wrong password at login.
    #[error("the current password is wrong")]
    CurrentWrong,
    #[error("too many wrong passwords; locked until {until}")]
    Locked { until: i64 },
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<spse_store::StoreError> for PasswordChangeError {
    fn from(e: spse_store::StoreError) -> Self {
        Self::Auth(e.into())
    }
}

impl From<super::hasher::HashError> for PasswordChangeError {
    fn from(e: super::hasher::HashError) -> Self {
        Self::Auth(e.into())
    }
}

/// Checks the new password and its confirmation; both are compared after NFKC, so the
/// same password typed as NFC and as NFD matches.
pub(crate) fn new_password(
    user: &UserRecord,
    new: &str,
    confirm: &str,
) -> Result<NewPassword, PasswordChangeError> {
    let user_id = user.user_id.clone();
    let new = NewPassword::parse(new, &user_id)?;
    if password::normalize(confirm).as_deref() != Some(new.as_str()) {
        return Err(PasswordChangeError::Mismatch);
    }
    Ok(new)
}

impl Auth {
    /// Whether the login behind this half-open session must choose a new password first.
    /// The requirement is the one read with the session; only when it holds is the
    /// session's chosen password looked up.
    pub async fn must_choose_password(&self, session: &Session) -> Result<bool, AuthError> {
        let record = session.record();
        Ok(record.stage == Stage::PasswordOk
            && session.password_change_required()
            && self
                .store
                .pending_password(&record.id_hash)
                .await?
                .is_none())
    }

    /// Refuses the second factor until a required new password was chosen.
    pub(super) async fn ensure_password_chosen(&self, session: &Session) -> Result<(), AuthError> {
        if self.must_choose_password(session).await? {
            return Err(AuthError::PasswordChangeRequired);
        }
        Ok(())
    }

    /// Change by a signed-in user. The rules are checked before the current password, so
    /// a typo in the new one costs no attempt; the current one is counted like a login.
    pub async fn change_password(
        &self,
        signed_in: &SignedIn,
        current: &str,
        new: &str,
        confirm: &str,
        client: &Client,
    ) -> Result<(), PasswordChangeError> {
        let user = signed_in.user();
        let session = signed_in.record();
        let new = new_password(user, new, confirm)?;
        let now = self.now();
        let policy = &self.policy.password_lockout;
        let lock_secs = policy.lock_secs(user.password_lock.lock_count);
        let reservation = self
            .store
            .reserve_attempt(user.pk, Factor::Password, now, policy, lock_secs)
            .await?;
        let Reservation::Allowed { locks_on_failure } = reservation else {
            self.log_event(
                EventKind::PasswordLocked,
                Subject::Account(user),
                client,
                "password change while locked",
            )
            .await?;
            return Err(PasswordChangeError::Locked {
                until: user.password_lock.locked_until.max(now),
            });
        };
        let matched = match password::normalize(current) {
            Some(current) => {
                self.hasher
                    .verify(current, Some(user.password_hash.expose().clone()))
                    .await?
            }
            None => false,
        };
        if !matched {
            let failure = Failure {
                event: EventKind::PasswordWrong,
                detail: "password change",
                locked_for: locks_on_failure.then_some(lock_secs),
            };
            self.log_failure(Factor::Password, user, client, failure)
                .await?;
            if locks_on_failure {
                return Err(PasswordChangeError::Locked {
                    until: now + lock_secs,
                });
            }
            return Err(PasswordChangeError::CurrentWrong);
        }
        let hash = self.hasher.hash(new.as_str().to_string()).await?;
        self.store.apply_password(user.pk, &hash).await?;
        self.password_changed(user, Some(session), client, "")
            .await?;
        Ok(())
    }

    /// The forced change after "not me", on the half-open session of the login. The
    /// password is only kept with this session; it replaces the old one when the second
    /// factor completes the login, so the old password alone changes nothing.
    pub async fn choose_new_password(
        &self,
        session: &Session,
        new: &str,
        confirm: &str,
        client: &Client,
    ) -> Result<(Option<SessionToken>, PasswordOutcome), PasswordChangeError> {
        let user = self.half_open_user(session)?;
        if !session.password_change_required() {
            return Err(AuthError::WrongStep.into());
        }
        let session = session.record();
        let new = new_password(&user, new, confirm)?;
        let hash = self.hasher.hash(new.as_str().to_string()).await?;
        self.store
            .put_pending_password(&session.id_hash, user.pk, &hash, self.now())
            .await?;
        if user.totp_secret.is_some() {
            self.offer_approval(&user, session).await?;
            return Ok((None, PasswordOutcome::EnterCode));
        }
        if self.policy.totp_required {
            return Ok((None, PasswordOutcome::Activate));
        }
        // No second factor exists for this account: the password step was all there is.
        self.apply_pending_password(session, &user, client).await?;
        let token = self
            .step_up(
                session,
                user.pk,
                Stage::Full,
                client,
                spse_domain::session::AMR_PASSWORD,
            )
            .await?;
        self.log_event(
            EventKind::LoginSucceeded,
            Subject::Account(&user),
            client,
            "password only",
        )
        .await?;
        Ok((Some(token), PasswordOutcome::Complete))
    }

    /// At the end of a login, where a new password is required: refuses a login that has
    /// not chosen it yet, and makes the one this session chose the account's (every other
    /// session ends). `required` is what the caller read with the session, if it did;
    /// otherwise one read. When none is required nothing else is read: a chosen password
    /// exists only while the change is required (both go together, see `apply_password`).
    pub(super) async fn settle_required_password(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        client: &Client,
        required: Option<bool>,
    ) -> Result<(), AuthError> {
        let required = match required {
            Some(known) => known,
            None => self.store.password_change_required(user.pk).await?,
        };
        if !required {
            return Ok(());
        }
        match self.store.pending_password(&session.id_hash).await? {
            None if session.stage == Stage::PasswordOk => Err(AuthError::PasswordChangeRequired),
            None => Ok(()),
            Some(hash) => {
                self.adopt_chosen_password(session, user, client, &hash)
                    .await
            }
        }
    }

    /// At the end of a login: the password this session chose, if any, becomes the
    /// account's, and every other session ends.
    pub(super) async fn apply_pending_password(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        client: &Client,
    ) -> Result<(), AuthError> {
        let Some(hash) = self.store.pending_password(&session.id_hash).await? else {
            return Ok(());
        };
        self.adopt_chosen_password(session, user, client, &hash)
            .await
    }

    /// The password `session` chose becomes the account's; every other session ends.
    async fn adopt_chosen_password(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        client: &Client,
        hash: &str,
    ) -> Result<(), AuthError> {
        self.store.apply_password(user.pk, hash).await?;
        self.password_changed(user, Some(session), client, "required after not me")
            .await
    }

    async fn password_changed(
        &self,
        user: &UserRecord,
        keep: Option<&SessionRecord>,
        client: &Client,
        why: &str,
    ) -> Result<(), AuthError> {
        let ended = self
            .store
            .delete_user_sessions(user.pk, keep.map(|s| &s.id_hash))
            .await?;
        self.sessions_ended();
        let mut detail = format!("{ended} other sessions ended");
        if !why.is_empty() {
            detail = format!("{why}; {detail}");
        }
        self.log_event(
            EventKind::PasswordChanged,
            Subject::Account(user),
            client,
            &detail,
        )
        .await?;
        let mail = spse_mail::texts::password_changed(
            &user.email,
            user.user_id.as_str(),
            &self.policy.issuer,
            client,
        );
        self.send_later(mail).await?;
        Ok(())
    }
}
