//! Use cases: the login steps, TOTP activation and acceptance, sessions, user admin.
//! The rules live here; `web` only extracts, calls one of these and renders.

mod access;
mod access_log;
mod approval;
mod audit;
mod claim;
mod device;
mod ended;
mod events;
mod hasher;
mod helpdesk;
mod helpdesk_log;
mod import;
pub mod key_check;
mod login;
mod mail_queue;
pub mod metrics;
mod notify;
pub mod oidc;
mod password_change;
mod password_link;
pub mod pow;
mod reset;
pub mod scim;
pub mod secrets;
mod session;
mod ticket;
mod totp;
mod totp_off;
mod trusted;
mod users;
mod why_ended;

use spse_domain::secret::SessionHash;
use std::sync::Arc;

use url::Url;

use crate::secrets::SecretBox;
use spse_domain::clock::Clock;
use spse_domain::lockout::LockoutPolicy;
use spse_domain::session::Timeouts;
use spse_mail::Mailer;
use spse_store::{Store, StoreError};

pub use access::{Account, Session, SignedIn, Staff};
pub use access_log::{AccessLogPage, PAGE_SIZE, SessionView};
pub use approval::{APPROVAL_SECS, AcceptorState};
pub use audit::{UNSEALED_BOUND_SECS, VerifyReport};
pub use device::SignedRequest;
use events::{Failure, Subject};
pub use hasher::{HashFormat, HashFormatError, Hasher};
pub use helpdesk::StaffAction;
pub use helpdesk_log::HELPDESK_PAGE_SIZE;
pub use import::{
    Field, ImportCounts, ImportFailed, ImportPlan, ImportRow, PlannedRow, RowAction, RowError,
    RowProblem,
};
pub use login::PasswordOutcome;
pub use notify::Notice;
pub use oidc::clients::{AddedClient, ClientError, ClientView, NewClientInput, UriProblem};
pub use password_change::PasswordChangeError;
pub use password_link::{NewPasswordForm, PasswordLink, PasswordLinkView};
pub use pow::PowChallenge;
pub use reset::{ResetLink, ResetRequest};
pub use session::{SessionToken, TrustedBrowser};
pub use spse_domain::client::Client;
pub use spse_domain::password_link::LinkPurpose;
/// Read models the pages show as they are.
pub use spse_store::{EventFilter, EventRecord, LoggedEvent};
pub use ticket::{ActivationTicket, TicketLink};
pub use totp::ActivationView;
pub use totp_off::{ApprovalNotGiven, AskedApproval, DisableProof};
pub use users::{NewUserInput, UserError};
pub use why_ended::{ENDED_NOTICE_SECS, EndedWhy};

/// Policy knobs the use cases follow, taken from the settings.
#[derive(Debug, Clone)]
pub struct Policy {
    pub totp_required: bool,
    pub timeouts: Timeouts,
    pub activation_secs: i64,
    pub password_lockout: LockoutPolicy,
    pub totp_lockout: LockoutPolicy,
    pub issuer: String,
    pub demo: bool,
    /// How long access-log entries are kept.
    pub retention_secs: i64,
    /// How long approvals pause after "bukan saya" (not me).
    pub approval_cooldown_secs: i64,
    /// Life of an emailed reset code.
    pub reset_secs: i64,
    /// Whether the reset form asks for a captcha.
    pub captcha: bool,
    /// Where pages and mails send a user who is stuck.
    pub helpdesk: spse_domain::helpdesk::Helpdesk,
    /// Lifetimes of what the OpenID Provider hands out.
    pub oidc: oidc::OidcPolicy,
}

/// Errors of the use cases. Only `web` turns them into statuses and pages.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user, wrong door, wrong password, disabled or locked: one answer for all.
    #[error("user ID or password wrong")]
    LoginFailed,
    #[error("the user ID is not valid")]
    InvalidUserId,
    /// A wrong, reused or malformed code.
    #[error("code refused")]
    CodeRefused,
    #[error("too many wrong codes; locked until {until}")]
    CodeLocked { until: i64 },
    #[error("the activation expired")]
    ActivationExpired,
    /// The session is missing, expired or not at the step this action belongs to.
    #[error("not at this step of the login")]
    WrongStep,
    /// After a "not me", a new password must be chosen before the second factor.
    #[error("a new password must be chosen first")]
    PasswordChangeRequired,
    /// The session or log entry named is not this user's.
    #[error("not found")]
    NotFound,
    /// An authenticator API request failed for this reason.
    #[error("authenticator API: {0:?}")]
    Api(spse_protocol::api::ErrorCode),
    /// A reset link that is used, expired, tampered with or not this user's.
    #[error("the reset link is not valid")]
    ResetLinkInvalid,
    /// A set-password link that is used, expired, altered or not this user's.
    #[error("the password link is not valid")]
    PasswordLinkInvalid,
    /// After a reset, the activation needs a ticket this login does not have; a fresh
    /// link was mailed to the owner (or was, a moment ago).
    #[error("activation needs the link from the email")]
    ActivationTicketRequired,
    /// A mailed activation link that is used, expired, altered or not this user's.
    #[error("the activation link is not valid")]
    TicketInvalid,
    /// The captcha answer was wrong, expired or already used.
    #[error("captcha answer wrong")]
    CaptchaWrong,
    /// Too many reset requests from this IP or for this account.
    #[error("too many reset requests")]
    TooManyRequests,
    /// The account is not one staff may act on, or the actor is not staff.
    #[error("not allowed")]
    NotAllowed,
    /// DISABLE TOTP by an approval in the app that was not (or not yet) given.
    #[error("no approval: {0:?}")]
    Approval(totp_off::ApprovalNotGiven),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] hasher::HashError),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
}

/// What readiness found, for a database that answers.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    /// It took a write; `false` when it answers reads only (a full disk, a read-only
    /// mount): logins would fail closed there, so the instance is not ready.
    pub writable: bool,
    /// The schema is at this build's newest migration; `None`: unknown.
    pub migrations_current: Option<bool>,
    /// Whether the database records the key this instance holds.
    pub key: key_check::KeyState,
}

/// Everything the use cases need, passed in at start.
pub struct Auth {
    store: Arc<dyn Store>,
    secrets: SecretBox,
    /// Signs the proof-of-work challenges of the reset form; derived from the key file.
    pow_key: pow::PowKey,
    hasher: Hasher,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    policy: Policy,
    public_url: Url,
    notifier: notify::Notifier,
    metrics: crate::metrics::Metrics,
    /// Wakes the mail worker when something is queued.
    mail_wakeup: tokio::sync::Notify,
    /// Sessions logged out whose rows the database would not delete yet.
    ended: ended::EndedSessions,
    /// The OpenID Provider's signing key, opened.
    signer: oidc::keys::SignerCache,
    /// Wakes the back-channel logout worker when sessions may have ended.
    logout_wakeup: tokio::sync::Notify,
}

impl Auth {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: SecretBox,
        hasher: Hasher,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        policy: Policy,
        public_url: Url,
    ) -> Self {
        Self {
            store,
            pow_key: pow::PowKey::new(secrets.derive_key("altcha pow challenges")),
            secrets,
            hasher,
            mailer,
            clock,
            policy,
            public_url,
            notifier: notify::Notifier::new(),
            metrics: crate::metrics::Metrics::new(),
            mail_wakeup: tokio::sync::Notify::new(),
            ended: ended::EndedSessions::default(),
            signer: oidc::keys::SignerCache::default(),
            logout_wakeup: tokio::sync::Notify::new(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Wakes the pages waiting on a login attempt, on this instance at once and on the
    /// others through the database. A lost notice only delays a page until its reload.
    pub(crate) async fn wake_waiting_pages(&self, session_hash: &SessionHash) {
        self.notifier.notify(session_hash.as_str());
        if let Err(e) = self.store.publish_notice(session_hash).await {
            tracing::warn!(error = %e, "notice not relayed to other instances");
        }
    }

    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// The Prometheus text, with the shared state counted in the database now.
    pub async fn metrics_text(&self) -> Result<String, AuthError> {
        let shared = self.store.shared_gauges(self.now()).await?;
        Ok(self.metrics.render(&shared, self.store.pool_status()))
    }

    /// Releases every page waiting here: at shutdown they reload, which a load balancer
    /// sends to another instance.
    pub fn release_waiting_pages(&self) {
        self.notifier.notify(notify::EVERYONE);
    }

    /// Hands a notice from another instance to the pages waiting here.
    pub fn deliver_notice(&self, session_hash: &str) {
        self.notifier.notify(session_hash);
    }

    /// Notices for pages that wait on a login attempt.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.notifier.subscribe()
    }

    /// Whether this instance can serve: the database answers, takes a write, its schema
    /// is at this build's newest migration, and it records the key this instance holds.
    /// `Err`: it does not answer at all.
    pub async fn readiness(&self) -> Result<Readiness, AuthError> {
        self.store.ping().await?;
        let writable = match self.store.heartbeat(self.now()).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "readiness: the database answers but refuses writes");
                false
            }
        };
        Ok(Readiness {
            writable,
            migrations_current: self.store.migrations_current().await.ok(),
            key: self.key_state().await,
        })
    }
}
