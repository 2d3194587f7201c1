//! What a request may do, as values. A handler gets a [`SignedIn`] or a [`Staff`] only
//! from the checks here, and the use cases that need one take it as an argument: code
//! without the proof cannot call them. The fields are private, so no other crate can
//! build a proof by hand.

use spse_domain::session::Stage;
use spse_domain::user::{Role, UserKind};
use spse_store::{SessionRecord, SessionWithUser, UserRecord};

use super::{Auth, AuthError};

/// A live session read from its cookie: how far its login has come. Only
/// [`Auth::session`] makes one.
#[derive(Debug, Clone)]
pub struct Session {
    record: SessionRecord,
    /// The account as read with the session, in the same query, for this request
    /// (boxed: a session travels by value through every handler).
    user: Option<Box<UserRecord>>,
    /// Read with it: the account must choose a new password before the login completes.
    password_change_required: bool,
    /// False for the user ID step's claim, which has no row (see `claim`).
    stored: bool,
}

impl Session {
    pub(crate) fn new(read: SessionWithUser) -> Self {
        Self {
            record: read.session,
            user: read.user.map(Box::new),
            password_change_required: read.password_change_required,
            stored: true,
        }
    }

    pub(crate) fn claim(record: SessionRecord) -> Self {
        Self {
            record,
            user: None,
            password_change_required: false,
            stored: false,
        }
    }

    /// The account read with the session, if the session names one.
    pub(crate) fn user(&self) -> Option<&UserRecord> {
        self.user.as_deref()
    }

    pub(crate) fn password_change_required(&self) -> bool {
        self.password_change_required
    }

    /// Whether a session row stands behind this session.
    pub(crate) fn is_stored(&self) -> bool {
        self.stored
    }

    pub(crate) fn record(&self) -> &SessionRecord {
        &self.record
    }

    pub fn stage(&self) -> Stage {
        self.record.stage
    }

    /// The user ID typed at the first step, as typed.
    pub fn claimed_user_id(&self) -> &str {
        &self.record.claimed_user_id
    }

    /// The door the login came in by.
    pub fn kind(&self) -> UserKind {
        self.record.kind
    }

    pub fn expires_at(&self) -> i64 {
        self.record.expires_at
    }

    /// What pages waiting on this login attempt listen for (see [`Auth::subscribe`]).
    pub fn wait_key(&self) -> &str {
        self.record.id_hash.as_str()
    }
}

/// An account as pages and the command line show it: nothing that opens it (no
/// password hash, no TOTP secret) is in here.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_id: String,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub totp_active: bool,
    /// Unix times until which the password and code steps are locked (past: not locked).
    pub password_locked_until: i64,
    pub totp_locked_until: i64,
    pub created_at: i64,
}

impl From<&UserRecord> for Account {
    fn from(user: &UserRecord) -> Self {
        Self {
            user_id: user.user_id.to_string(),
            kind: user.kind,
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            disabled: user.disabled,
            totp_active: user.totp_secret.is_some(),
            password_locked_until: user.password_lock.locked_until,
            totp_locked_until: user.totp_lock.locked_until,
            created_at: user.created_at,
        }
    }
}

/// Proof that a session passed every step of the login (password and second factor)
/// and that its account is active. Only [`Auth::signed_in`] makes one.
#[derive(Debug, Clone)]
pub struct SignedIn {
    session: Session,
    user: UserRecord,
}

impl SignedIn {
    pub fn account(&self) -> Account {
        Account::from(&self.user)
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub(crate) fn user(&self) -> &UserRecord {
        &self.user
    }

    pub(crate) fn record(&self) -> &SessionRecord {
        self.session.record()
    }
}

/// Proof that the caller may act as helpdesk staff: a signed-in account with the
/// helpdesk or admin role ([`Auth::staff`]), or whoever runs the admin command line on
/// the server ([`Staff::command_line`]).
#[derive(Debug, Clone)]
pub struct Staff {
    name: String,
    role: Role,
}

impl Staff {
    /// The command line acts as an admin: whoever runs it holds the server's files, the
    /// database and the key among them. Actions are logged as `cli:<login>`.
    pub fn command_line(login: &str) -> Self {
        Self {
            name: format!("cli:{login}"),
            role: Role::Admin,
        }
    }

    /// The name actions are logged and mailed under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Helpdesk staff see and act on ordinary accounts only; admins on any.
    pub(crate) fn may_act_on(&self, user: &UserRecord) -> bool {
        self.is_admin() || user.role == Role::User
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

impl Auth {
    /// The live session behind a cookie value, if any; an expired one is removed.
    /// A user ID step's claim opens without the database.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, AuthError> {
        if Self::looks_like_claim(token) {
            return Ok(self.open_claim(token).map(Session::claim));
        }
        Ok(self.live_session(token).await?.map(Session::new))
    }

    /// The proof that `session` is signed in; [`AuthError::WrongStep`] for a login that
    /// has not passed every step, or an account disabled since.
    pub async fn signed_in(&self, session: Session) -> Result<SignedIn, AuthError> {
        let user = self.account_at(&session, Stage::Full)?;
        Ok(SignedIn { session, user })
    }

    /// The proof that a signed-in account is staff; [`AuthError::NotAllowed`] otherwise.
    pub fn staff(&self, signed_in: &SignedIn) -> Result<Staff, AuthError> {
        let user = signed_in.user();
        match user.role {
            Role::Helpdesk | Role::Admin => Ok(Staff {
                name: user.user_id.to_string(),
                role: user.role,
            }),
            Role::User => Err(AuthError::NotAllowed),
        }
    }
}
