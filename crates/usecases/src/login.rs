//! The user ID and password steps (guide B.1-4, C.1-2).

use super::hasher::Verdict;
use super::{Auth, AuthError, Client, Failure, Session, SessionToken, Subject};
use spse_domain::event::EventKind;
use spse_domain::password;
use spse_domain::secret::Secret;
use spse_domain::session::Stage;
use spse_domain::token;
use spse_domain::totp::{enroll_token, new_secret};
use spse_domain::user::{UserId, UserKind};
use spse_store::{Factor, NewActivation, Reservation, UserRecord};

/// Where the browser goes after a right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordOutcome {
    /// TOTP is required and not active yet: `/totp/aktivasi`.
    Activate,
    /// TOTP is active: `/totp/acceptor`.
    EnterCode,
    /// TOTP not required and not active: straight to the beranda.
    Complete,
    /// After a "not me": `/ganti-password` first, then the TOTP step.
    ChooseNewPassword,
}

impl Auth {
    /// The user ID step. Any well-formed ID moves on to the password step, so this step
    /// tells nobody whether the account exists. It writes nothing: the claim travels in
    /// the cookie (see `claim`). Only a session this browser already held is deleted.
    pub async fn begin_login(
        &self,
        kind: UserKind,
        typed_user_id: &str,
        previous: Option<&Session>,
    ) -> Result<SessionToken, AuthError> {
        let user_id = UserId::parse(typed_user_id).map_err(|_| AuthError::InvalidUserId)?;
        if let Some(previous) = previous.filter(|p| p.is_stored()) {
            self.store
                .delete_session(&previous.record().id_hash)
                .await?;
        }
        Ok(self.issue_claim(&user_id, kind))
    }

    /// The password step. Unknown user, wrong door, wrong password, disabled and locked
    /// accounts all end in [`AuthError::LoginFailed`] after one argon2 verification.
    pub async fn submit_password(
        &self,
        session: &Session,
        typed_password: &str,
        ticket: Option<&str>,
        client: &Client,
    ) -> Result<(SessionToken, PasswordOutcome), AuthError> {
        let from = session;
        let session = session.record();
        if session.stage != Stage::Identified {
            return Err(AuthError::WrongStep);
        }
        let password = password::normalize(typed_password).ok_or(AuthError::LoginFailed)?;
        let user_id = UserId::parse(&session.claimed_user_id).map_err(|_| AuthError::WrongStep)?;
        let user = self.store.user_by_key(&user_id.key()).await?;
        let Some(user) = user else {
            self.hasher.verify(password, None).await?;
            self.log_event(
                EventKind::PasswordWrong,
                Subject::Typed(user_id.as_str()),
                client,
                "unknown user",
            )
            .await?;
            return Err(AuthError::LoginFailed);
        };
        if user.kind != session.kind || user.disabled {
            self.hasher.verify(password, None).await?;
            let why = if user.disabled {
                "account disabled"
            } else {
                "wrong account kind"
            };
            self.log_event(
                EventKind::PasswordWrong,
                Subject::Account(&user),
                client,
                why,
            )
            .await?;
            return Err(AuthError::LoginFailed);
        }
        let now = self.now();
        let policy = &self.policy.password_lockout;
        // A browser that completed a two-factor login here counts on its own: a lock
        // that guessing from elsewhere put on the account does not stop its owner.
        let trusted = self.trusted_browser_of(&user, client).await?;
        let (reservation, lock_secs) = match &trusted {
            Some(browser) => {
                let lock_secs = policy.lock_secs(browser.locks.password_lock_count);
                let reservation = self
                    .store
                    .reserve_browser_attempt(
                        &browser.hash,
                        Factor::Password,
                        now,
                        policy,
                        lock_secs,
                    )
                    .await?;
                (reservation, lock_secs)
            }
            None => {
                let lock_secs = policy.lock_secs(user.password_lock.lock_count);
                let reservation = self
                    .store
                    .reserve_attempt(user.pk, Factor::Password, now, policy, lock_secs)
                    .await?;
                (reservation, lock_secs)
            }
        };
        match reservation {
            Reservation::Locked => {
                self.hasher.verify(password, None).await?;
                self.log_event(
                    EventKind::PasswordLocked,
                    Subject::Account(&user),
                    client,
                    "attempt while locked",
                )
                .await?;
                Err(AuthError::LoginFailed)
            }
            Reservation::Allowed { locks_on_failure } => {
                let stored = user.password_hash.expose().clone();
                let verdict = self
                    .hasher
                    .check(password.clone(), Some(stored.clone()))
                    .await?;
                if verdict == Verdict::Wrong {
                    let failure = Failure {
                        event: EventKind::PasswordWrong,
                        detail: "",
                        locked_for: locks_on_failure.then_some(lock_secs),
                    };
                    self.log_failure(Factor::Password, &user, client, failure)
                        .await?;
                    return Err(AuthError::LoginFailed);
                }
                match &trusted {
                    // The account's counter stays: whoever guesses elsewhere stays slowed.
                    Some(browser) => {
                        self.store
                            .clear_browser_failures(&browser.hash, Factor::Password, now)
                            .await?
                    }
                    None => self.store.clear_failures(user.pk, Factor::Password).await?,
                }
                if verdict == Verdict::RightOutdated {
                    self.upgrade_password_hash(&user, password, &stored).await;
                }
                self.after_password(from, &user, ticket, client).await
            }
        }
    }

    /// Replaces an imported or older hash with today's argon2id while the right password
    /// is at hand. Only if the stored hash is still the one verified: a password changed
    /// meanwhile stays. A failure leaves the old hash, which still verifies.
    async fn upgrade_password_hash(&self, user: &UserRecord, password: String, verified: &str) {
        let hash = match self.hasher.hash(password).await {
            Ok(hash) => hash,
            Err(e) => {
                tracing::warn!(user_id = %user.user_id, error = %e, "password hash not upgraded");
                return;
            }
        };
        match self
            .store
            .upgrade_password_hash(user.pk, verified, &hash)
            .await
        {
            Ok(true) => {
                tracing::info!(user_id = %user.user_id, "password hash upgraded to argon2id")
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(user_id = %user.user_id, error = %e, "password hash not upgraded")
            }
        }
    }

    async fn after_password(
        &self,
        from: &Session,
        user: &UserRecord,
        ticket: Option<&str>,
        client: &Client,
    ) -> Result<(SessionToken, PasswordOutcome), AuthError> {
        let session = from.record();
        // After a "not me" the old password is presumed known: this login must choose a
        // new one first, and stays half-open (TOTP pages and /ganti-password) until then.
        let must_change = self.store.password_change_required(user.pk).await?;
        let or_new_password = |next| {
            if must_change {
                PasswordOutcome::ChooseNewPassword
            } else {
                next
            }
        };
        if user.totp_secret.is_some() {
            let (token, record) = self.prepare_step(session, user.pk, Stage::PasswordOk, client);
            self.commit_first_step(from, &record).await?;
            // With a new password to choose, the approval is offered once it is chosen.
            if !must_change {
                self.offer_approval(user, &record).await?;
            }
            return Ok((token, or_new_password(PasswordOutcome::EnterCode)));
        }
        if self.policy.totp_required {
            self.check_activation_ticket(user, ticket, client).await?;
            let now = self.now();
            let (token, record) = self.prepare_step(session, user.pk, Stage::PasswordOk, client);
            let key = new_secret();
            self.store
                .put_activation(&NewActivation {
                    user_pk: user.pk,
                    secret: Secret::new(
                        self.secrets
                            .seal(key.secret(), &activation_context(user.pk)),
                    ),
                    enroll_hash: Secret::new(token::hash(&enroll_token(&key))),
                    session_hash: record.id_hash.clone(),
                    created_at: now,
                    expires_at: now + self.policy.activation_secs,
                })
                .await?;
            self.commit_first_step(from, &record).await?;
            return Ok((token, or_new_password(PasswordOutcome::Activate)));
        }
        let stage = if must_change {
            Stage::PasswordOk
        } else {
            Stage::Full
        };
        let (token, record) = self.prepare_step(session, user.pk, stage, client);
        self.commit_first_step(from, &record).await?;
        if must_change {
            return Ok((token, PasswordOutcome::ChooseNewPassword));
        }
        self.log_event(
            EventKind::LoginSucceeded,
            Subject::Account(user),
            client,
            "password only",
        )
        .await?;
        Ok((token, PasswordOutcome::Complete))
    }
}

/// What a pending secret is bound to, so a row copied to another user does not open.
pub(super) fn activation_context(pk: i64) -> Vec<u8> {
    format!("activation:{pk}").into_bytes()
}

/// What an active secret is bound to.
pub(super) fn totp_context(pk: i64) -> Vec<u8> {
    format!("totp:{pk}").into_bytes()
}
