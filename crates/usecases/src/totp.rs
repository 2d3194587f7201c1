//! TOTP activation (guide B.5-8) and login by code (guide C.3, code fallback).

use spse_domain::secret::Secret;
use spse_protocol::{OtpauthUri, TotpKey};

use super::login::{activation_context, totp_context};
use super::trusted::Trusted;
use super::{Account, Auth, AuthError, Client, Failure, Session, SessionToken, Subject};
use spse_domain::event::EventKind;
use spse_domain::session::{AMR_CODE, Stage};
use spse_domain::totp::{Code, CodeCheck, check, enroll_token};
use spse_store::{Factor, Reservation, SessionRecord, UserRecord};

/// What the activation page shows: the only place a TOTP secret leaves the server.
#[derive(Debug, Clone)]
pub struct ActivationView {
    pub user_id: String,
    /// The otpauth URI the QR code carries.
    pub uri: Secret<String>,
    /// The secret in base32, for typing into an app by hand.
    pub key_base32: Secret<String>,
    pub expires_at: i64,
}

impl Auth {
    /// The account behind a session that passed the password step and no more.
    pub(crate) fn half_open_user(&self, session: &Session) -> Result<UserRecord, AuthError> {
        self.account_at(session, Stage::PasswordOk)
    }

    /// The active account read with `session`, which must be at exactly `stage`: no
    /// query, the session's own read brought it.
    pub(crate) fn account_at(
        &self,
        session: &Session,
        stage: Stage,
    ) -> Result<UserRecord, AuthError> {
        let record = session.record();
        if record.stage != stage {
            return Err(AuthError::WrongStep);
        }
        match session.user() {
            Some(user) if Some(user.pk) == record.user_pk && !user.disabled => Ok(user.clone()),
            _ => Err(AuthError::WrongStep),
        }
    }

    /// The account behind a session that passed the password step and no more.
    pub fn half_open_account(&self, session: &Session) -> Result<Account, AuthError> {
        Ok(Account::from(&self.half_open_user(session)?))
    }

    async fn pending_key(&self, user: &UserRecord) -> Result<(TotpKey, i64), AuthError> {
        if user.totp_secret.is_some() {
            return Err(AuthError::WrongStep);
        }
        let pending = self.store.activation(user.pk).await?;
        let pending = pending
            .filter(|p| p.expires_at > self.now())
            .ok_or(AuthError::ActivationExpired)?;
        let secret = self
            .secrets
            .open(pending.secret.expose(), &activation_context(user.pk))?;
        Ok((TotpKey::new(secret), pending.expires_at))
    }

    pub async fn activation_view(&self, session: &Session) -> Result<ActivationView, AuthError> {
        let user = self.half_open_user(session)?;
        let (key, expires_at) = self.pending_key(&user).await?;
        let uri = OtpauthUri {
            issuer: self.policy.issuer.clone(),
            account: user.user_id.to_string(),
            key: key.clone(),
            server: Some(self.public_url.as_str().trim_end_matches('/').to_string()),
            enroll: Some(enroll_token(&key)),
        };
        Ok(ActivationView {
            user_id: user.user_id.to_string(),
            uri: Secret::new(uri.to_uri()),
            key_base32: Secret::new(key.to_base32()),
            expires_at,
        })
    }

    /// Checks a typed code; `Ok(step)` for a right, fresh one. A wrong code is counted
    /// before its answer is given (atomically, so parallel guesses cannot pass the
    /// limit). A right code is no guess and is not counted; nor is a replay of a code
    /// already accepted (a double submit, or copies racing each other), which is refused.
    /// With `claim`, the step of a right code is claimed atomically, unless locked: of
    /// racing requests with the same code only one wins, before any session is issued.
    pub(super) async fn code_attempt(
        &self,
        user: &UserRecord,
        client: &Client,
        typed_code: &str,
        key: &TotpKey,
        claim: bool,
    ) -> Result<i64, AuthError> {
        let now = self.now();
        let last_step = if claim { user.totp_last_step } else { None };
        let outcome = match Code::parse(typed_code) {
            Some(code) => check(key, &code, now, last_step),
            None => CodeCheck::Wrong,
        };
        // A browser that completed a two-factor login here has its own code lock: wrong
        // codes typed elsewhere with the password do not stop its owner.
        let trusted = self.trusted_browser_of(user, client).await?;
        let own_lock = trusted.as_ref().map(|b| b.locks.code_locked_until);
        if let CodeCheck::Fresh { step } = outcome {
            let until = own_lock.unwrap_or(user.totp_lock.locked_until);
            if (!claim || own_lock.is_some()) && until > now {
                return Err(AuthError::CodeLocked { until });
            }
            // Without a trusted browser, the claim itself refuses during the account's lock,
            // and clears the account's counter when it succeeds.
            if !claim
                || self
                    .store
                    .claim_step(user.pk, step, now, own_lock.is_none())
                    .await?
            {
                if !claim || trusted.is_some() {
                    self.clear_code_failures(user, trusted.as_ref(), now)
                        .await?;
                }
                return Ok(step);
            }
        }
        if outcome != CodeCheck::Wrong {
            let until = match own_lock {
                Some(until) => until,
                None => self.account_code_lock(user, now).await?,
            };
            if until > now {
                return Err(AuthError::CodeLocked { until });
            }
            self.log_event(
                EventKind::CodeReused,
                Subject::Account(user),
                client,
                "not counted",
            )
            .await?;
            return Err(AuthError::CodeRefused);
        }
        let policy = &self.policy.totp_lockout;
        let (reservation, lock_secs) = match &trusted {
            Some(browser) => {
                let lock_secs = policy.lock_secs(browser.locks.code_lock_count);
                let reservation = self
                    .store
                    .reserve_browser_attempt(&browser.hash, Factor::Totp, now, policy, lock_secs)
                    .await?;
                (reservation, lock_secs)
            }
            None => {
                let lock_secs = policy.lock_secs(user.totp_lock.lock_count);
                let reservation = self
                    .store
                    .reserve_attempt(user.pk, Factor::Totp, now, policy, lock_secs)
                    .await?;
                (reservation, lock_secs)
            }
        };
        let Reservation::Allowed { locks_on_failure } = reservation else {
            let until = match &trusted {
                Some(browser) => self
                    .store
                    .browser_trusted(&browser.hash, user.pk, now)
                    .await?
                    .map_or(now, |locks| locks.code_locked_until),
                None => self.account_code_lock(user, now).await?,
            };
            return Err(AuthError::CodeLocked { until });
        };
        let failure = Failure {
            event: EventKind::CodeWrong,
            detail: if trusted.is_some() {
                "trusted browser"
            } else {
                ""
            },
            locked_for: locks_on_failure.then_some(lock_secs),
        };
        self.log_failure(Factor::Totp, user, client, failure)
            .await?;
        if locks_on_failure {
            return Err(AuthError::CodeLocked {
                until: now + lock_secs,
            });
        }
        Err(AuthError::CodeRefused)
    }

    /// When the account's code lock ends, as stored now (another request may have set it).
    async fn account_code_lock(&self, user: &UserRecord, now: i64) -> Result<i64, AuthError> {
        let current = self.store.user_by_pk(user.pk).await?;
        Ok(current.map_or(now, |u| u.totp_lock.locked_until))
    }

    /// A right code starts the counter it would have counted on again: the trusted
    /// browser's own, or the account's. The account's stays after a right code from a
    /// trusted browser: whoever guesses elsewhere stays slowed.
    async fn clear_code_failures(
        &self,
        user: &UserRecord,
        trusted: Option<&Trusted>,
        now: i64,
    ) -> Result<(), AuthError> {
        match trusted {
            Some(browser) => {
                self.store
                    .clear_browser_failures(&browser.hash, Factor::Totp, now)
                    .await?
            }
            None => self.store.clear_failures(user.pk, Factor::Totp).await?,
        }
        Ok(())
    }

    /// Activation by a typed code: proves possession, then the pending secret becomes
    /// the account's, the event is logged and mailed, and the session becomes full.
    pub async fn activate_with_code(
        &self,
        session: &Session,
        typed_code: &str,
        client: &Client,
    ) -> Result<SessionToken, AuthError> {
        let user = self.half_open_user(session)?;
        self.ensure_password_chosen(session).await?;
        let session = session.record();
        let (key, _) = self.pending_key(&user).await?;
        let step = self
            .code_attempt(&user, client, typed_code, &key, false)
            .await?;
        let sealed = self.secrets.seal(key.secret(), &totp_context(user.pk));
        if !self
            .store
            .complete_activation(user.pk, &sealed, step, self.now())
            .await?
        {
            return Err(AuthError::ActivationExpired);
        }
        self.log_event(
            EventKind::TotpActivated,
            Subject::Account(&user),
            client,
            "code",
        )
        .await?;
        let mail = spse_mail::texts::totp_activated(
            &user.email,
            user.user_id.as_str(),
            &self.policy.issuer,
            client,
        );
        self.send_later(mail).await?;
        self.finish_login(session, &user, client, AMR_CODE).await
    }

    /// Login by a typed code from the authenticator.
    pub async fn login_with_code(
        &self,
        session: &Session,
        typed_code: &str,
        client: &Client,
    ) -> Result<SessionToken, AuthError> {
        let user = self.half_open_user(session)?;
        let required = session.password_change_required();
        self.ensure_password_chosen(session).await?;
        let session = session.record();
        let sealed = user.totp_secret.as_ref().ok_or(AuthError::WrongStep)?;
        let key = TotpKey::new(self.secrets.open(sealed.expose(), &totp_context(user.pk))?);
        self.code_attempt(&user, client, typed_code, &key, true)
            .await?;
        self.finish_login_knowing(session, &user, client, AMR_CODE, Some(required))
            .await
    }

    pub(super) async fn finish_login(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        client: &Client,
        amr: &str,
    ) -> Result<SessionToken, AuthError> {
        self.finish_login_knowing(session, user, client, amr, None)
            .await
    }

    /// [`Self::finish_login`] where this request already read whether the account must
    /// choose a new password (`required`), with the session.
    async fn finish_login_knowing(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        client: &Client,
        amr: &str,
        required: Option<bool>,
    ) -> Result<SessionToken, AuthError> {
        // Every way in (code, approval, enrolment) ends here: none completes a login
        // that still has a new password to choose.
        self.settle_required_password(session, user, client, required)
            .await?;
        let (token, mut record) = self.prepare_step(session, user.pk, Stage::Full, client);
        record.amr = amr.to_string();
        let trust = self.browser_to_trust(user, client).await?;
        let event = self.event_record(
            EventKind::LoginSucceeded,
            Subject::Account(user),
            client,
            "",
        );
        // The new session, the trusted browser and the log entry in one transaction.
        if !self
            .store
            .complete_login(
                &session.id_hash,
                &record,
                trust.as_ref().map(|(_, row)| row),
                &event,
            )
            .await?
        {
            return Err(AuthError::WrongStep);
        }
        self.event_logged(&event);
        Ok(SessionToken(token.0, trust.map(|(cookie, _)| cookie)))
    }
}
