//! Push login: a pending approval per login attempt, decided once in the authenticator
//! with number matching (NIST SP 800-63B 5.1.3, OWASP ASVS 5.0 6.6.4).

use spse_domain::secret::SessionHash;
use spse_protocol::api::{ApprovalPurpose, Decision, ErrorCode, PendingApproval};

use super::{Auth, AuthError, Client, Failure, Session, SessionToken, Subject};
use spse_domain::event::EventKind;
use spse_domain::token;
use spse_mail::texts::Refused;
use spse_store::{
    ApprovalRecord, ApprovalState, DeviceRecord, Factor, Reservation, SessionRecord, UserRecord,
};

/// How long an approval waits for a decision.
pub const APPROVAL_SECS: i64 = 120;
/// Most live approvals an account may have at once (against push-bombing).
pub const MAX_PENDING: i64 = 3;
/// After a plain denial, new approvals wait this long.
pub const DENY_PAUSE_SECS: i64 = 60;

/// What the acceptor page shows about push approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptorState {
    /// Waiting; the number to type in the app.
    Waiting {
        number: i64,
        expires_at: i64,
    },
    /// No approval for this attempt (no device, limit reached or paused): the code
    /// form is the way in.
    CodeOnly,
    /// The approval ran out undecided: the page says so and offers a new one.
    Expired,
    Approved,
    Refused,
}

impl Auth {
    /// Creates a pending approval for a login attempt if the user has a bound device,
    /// fewer than [`MAX_PENDING`] live approvals and no pause in force.
    pub(super) async fn offer_approval(
        &self,
        user: &UserRecord,
        attempt: &SessionRecord,
    ) -> Result<(), AuthError> {
        self.ask_approval(user, attempt, ApprovalPurpose::Login)
            .await
            .map(|_| ())
    }

    /// A new pending approval of `session` for `purpose`, under the same limits as a
    /// login's; `None` when there is no bound device, or the limit or a pause refused it.
    pub(super) async fn ask_approval(
        &self,
        user: &UserRecord,
        session: &SessionRecord,
        purpose: ApprovalPurpose,
    ) -> Result<Option<ApprovalRecord>, AuthError> {
        if self.store.active_device(user.pk).await?.is_none() {
            return Ok(None);
        }
        let now = self.now();
        let number = 10 + i64::from(token::random_bytes(1)[0]) % 90;
        let approval = ApprovalRecord {
            id: token::random_hex(16),
            user_pk: user.pk,
            session_hash: session.id_hash.clone(),
            purpose,
            number,
            state: ApprovalState::Pending,
            created_at: now,
            expires_at: now + APPROVAL_SECS,
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
        };
        if !self.store.create_approval(&approval, MAX_PENDING).await? {
            tracing::info!(user_id = %user.user_id, "no approval offered: limit reached or paused");
            return Ok(None);
        }
        Ok(Some(approval))
    }

    pub async fn acceptor_state(&self, session: &Session) -> Result<AcceptorState, AuthError> {
        let session = session.record();
        let Some(approval) = self
            .store
            .latest_approval_for_session(&session.id_hash)
            .await?
        else {
            return Ok(AcceptorState::CodeOnly);
        };
        Ok(match approval.state {
            ApprovalState::Pending if approval.expires_at > self.now() => AcceptorState::Waiting {
                number: approval.number,
                expires_at: approval.expires_at,
            },
            ApprovalState::Pending => AcceptorState::Expired,
            ApprovalState::Approved | ApprovalState::Used => AcceptorState::Approved,
            ApprovalState::Denied | ApprovalState::NotMe => AcceptorState::Refused,
        })
    }

    /// A new approval for a login attempt whose last one ran out undecided, under the
    /// limits of the first (see [`Auth::ask_approval`]); `false` when none was made.
    pub async fn ask_again(&self, session: &Session) -> Result<bool, AuthError> {
        if self.acceptor_state(session).await? != AcceptorState::Expired {
            return Ok(false);
        }
        let user = self.half_open_user(session)?;
        let record = session.record();
        Ok(self
            .ask_approval(&user, record, ApprovalPurpose::Login)
            .await?
            .is_some())
    }

    /// Completes the login once the authenticator has approved it; `None` otherwise.
    pub async fn complete_approved(
        &self,
        session: &Session,
        client: &Client,
    ) -> Result<Option<SessionToken>, AuthError> {
        let user = self.half_open_user(session)?;
        let session = session.record();
        let Some(approval) = self
            .store
            .latest_approval_for_session(&session.id_hash)
            .await?
        else {
            return Ok(None);
        };
        if approval.state != ApprovalState::Approved
            || !self.store.consume_approval(&approval.id).await?
        {
            return Ok(None);
        }
        self.finish_login(session, &user, client, spse_domain::session::AMR_APP)
            .await
            .map(Some)
    }

    /// Whether the login attempt behind a cookie whose session is gone was refused in the
    /// authenticator: the page then says so once instead of "session expired".
    pub async fn refused_attempt(&self, token: &str) -> Result<bool, AuthError> {
        let hash = SessionHash::of(token);
        Ok(self
            .store
            .latest_approval_for_session(&hash)
            .await?
            .is_some_and(|a| matches!(a.state, ApprovalState::Denied | ApprovalState::NotMe)))
    }

    /// Ends a login attempt that was refused in the authenticator.
    pub async fn end_refused(&self, session: &Session) -> Result<(), AuthError> {
        let session = session.record();
        self.store.delete_session(&session.id_hash).await?;
        Ok(())
    }

    /// The device's account's pending logins, without their numbers.
    pub async fn pending_for_device(
        &self,
        device: &DeviceRecord,
    ) -> Result<Vec<PendingApproval>, AuthError> {
        let user = self
            .store
            .user_by_pk(device.user_pk)
            .await?
            .ok_or(AuthError::Api(ErrorCode::UnknownDevice))?;
        let pending = self
            .store
            .pending_approvals(device.user_pk, self.now())
            .await?;
        Ok(pending
            .into_iter()
            .map(|a| PendingApproval {
                id: a.id,
                account: user.user_id.to_string(),
                created_at: a.created_at,
                expires_at: a.expires_at,
                ip: a.ip,
                user_agent: a.user_agent,
                purpose: a.purpose,
            })
            .collect())
    }

    /// A decision from the device. The first decision wins; a wrong number counts toward
    /// the code lockout.
    pub async fn decide(
        &self,
        device: &DeviceRecord,
        approval_id: &str,
        decision: Decision,
        number: Option<u32>,
        client: &Client,
    ) -> Result<Decision, AuthError> {
        let api = AuthError::Api;
        let approval = self
            .store
            .approval(approval_id)
            .await?
            .filter(|a| a.user_pk == device.user_pk)
            .ok_or(api(ErrorCode::NotFound))?;
        let user = self
            .store
            .user_by_pk(device.user_pk)
            .await?
            .ok_or(api(ErrorCode::UnknownDevice))?;
        let now = self.now();
        if approval.state != ApprovalState::Pending {
            return Err(api(ErrorCode::AlreadyDecided));
        }
        if approval.expires_at <= now {
            return Err(api(ErrorCode::Expired));
        }
        let (to, event) = match decision {
            Decision::Approve => {
                self.check_number(&user, device, &approval, number, client)
                    .await?;
                (ApprovalState::Approved, EventKind::ApprovalGranted)
            }
            Decision::Deny => (ApprovalState::Denied, EventKind::ApprovalDenied),
            Decision::NotMe => (ApprovalState::NotMe, EventKind::ApprovalNotMe),
        };
        if !self.store.decide_approval(&approval.id, to, now).await? {
            let current = self.store.approval(&approval.id).await?;
            let expired = current.is_some_and(|a| a.state == ApprovalState::Pending);
            return Err(api(if expired {
                ErrorCode::Expired
            } else {
                ErrorCode::AlreadyDecided
            }));
        }
        let what = match approval.purpose {
            ApprovalPurpose::Login => "login",
            ApprovalPurpose::DisableTotp => "disable totp",
        };
        let detail = format!("device {}; {what} from {}", device.name, approval.ip);
        self.log_event(event, Subject::Account(&user), client, &detail)
            .await?;
        // Declining one's own DISABLE TOTP is no alarm; "not me" there means someone
        // holds a signed-in session: it ends with every other, and the rest follows.
        let alarm = match approval.purpose {
            ApprovalPurpose::Login => decision != Decision::Approve,
            ApprovalPurpose::DisableTotp => decision == Decision::NotMe,
        };
        if alarm {
            if approval.purpose == ApprovalPurpose::DisableTotp {
                self.store.delete_user_sessions(user.pk, None).await?;
                self.sessions_ended();
            }
            let pause = match decision {
                Decision::NotMe => self.policy.approval_cooldown_secs,
                _ => DENY_PAUSE_SECS,
            };
            self.store.pause_approvals(user.pk, now + pause).await?;
            if decision == Decision::NotMe {
                // Someone else got past the password: it must change at the next login.
                self.store.require_password_change(user.pk, now).await?;
            }
            let what = match (approval.purpose, decision) {
                (ApprovalPurpose::DisableTotp, _) => Refused::DisableTotpNotMe,
                (ApprovalPurpose::Login, Decision::NotMe) => Refused::LoginNotMe,
                (ApprovalPurpose::Login, _) => Refused::Login,
            };
            self.send_later(spse_mail::texts::login_refused(
                &user.email,
                user.user_id.as_str(),
                &approval.ip,
                &approval.user_agent,
                what,
            ))
            .await?;
        }
        self.wake_waiting_pages(&approval.session_hash).await;
        Ok(decision)
    }

    /// The number is counted on the device's own counter: it is typed in the owner's
    /// app, so wrong codes typed at the web code step (by someone who knows the
    /// password) do not lock the owner's approvals.
    async fn check_number(
        &self,
        user: &UserRecord,
        device: &DeviceRecord,
        approval: &ApprovalRecord,
        number: Option<u32>,
        client: &Client,
    ) -> Result<(), AuthError> {
        let number = number.ok_or(AuthError::Api(ErrorCode::BadRequest))?;
        let now = self.now();
        let policy = &self.policy.totp_lockout;
        let lock_secs = policy.lock_secs(self.store.number_lock_count(&device.id).await?);
        let reservation = self
            .store
            .reserve_number_attempt(&device.id, now, policy, lock_secs)
            .await?;
        let Reservation::Allowed { locks_on_failure } = reservation else {
            return Err(AuthError::Api(ErrorCode::Locked));
        };
        if i64::from(number) != approval.number {
            let failure = Failure {
                event: EventKind::ApprovalWrongNumber,
                detail: "",
                locked_for: locks_on_failure.then_some(lock_secs),
            };
            self.log_failure(Factor::Totp, user, client, failure)
                .await?;
            if locks_on_failure {
                return Err(AuthError::Api(ErrorCode::Locked));
            }
            return Err(AuthError::Api(ErrorCode::WrongNumber));
        }
        self.store.clear_number_failures(&device.id).await?;
        Ok(())
    }
}
