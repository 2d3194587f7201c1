//! SCIM 2.0 provisioning (RFC 7643, RFC 7644): the procurement system creates, changes,
//! disables and deletes ordinary accounts with a bearer token an operator added on the
//! command line. A token is shown once and stored as a keyed hash. SCIM never sets or
//! reads a password, and never sees or touches a staff account.

mod document;
mod patch;
mod tokens;
mod users;

pub use document::{ScimUser, ScimUserInput};
pub use tokens::{ScimTokenError, ScimTokenView};
pub use users::{DEFAULT_PAGE, MAX_PAGE, ScimPage};

use crate::{AuthError, UserError};
use spse_store::StoreError;

/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The account kind (Penyedia / Non Penyedia) as an extension of the User.
pub const ACCOUNT_SCHEMA: &str = "urn:spse:params:scim:schemas:extension:spse:2.0:User";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Proof that a request carries a live provisioning token. Only
/// [`crate::Auth::scim_caller`] makes one, and every SCIM use case takes it.
#[derive(Debug, Clone)]
pub struct ScimCaller {
    token_name: String,
}

impl ScimCaller {
    /// The token's name, as the access log records the actions done with it.
    pub fn token_name(&self) -> &str {
        &self.token_name
    }
}

/// Why a SCIM request failed, in RFC 7644 3.12's terms; the web layer adds the status.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// No bearer token, or one that is unknown or revoked.
    #[error("a valid bearer token is needed")]
    Unauthorized,
    /// No such account (or a staff account, or one SCIM deleted).
    #[error("no such resource")]
    NotFound,
    /// The body is not a SCIM message of the right kind.
    #[error("{0}")]
    InvalidSyntax(String),
    /// An attribute has a value that is not allowed.
    #[error("{0}")]
    InvalidValue(String),
    #[error("{0}")]
    InvalidFilter(String),
    /// A PATCH path that names nothing this server serves.
    #[error("{0}")]
    InvalidPath(String),
    /// A PATCH path whose filter matched no value.
    #[error("{0}")]
    NoTarget(String),
    /// An attempt to change what cannot change (`userName`, `id`).
    #[error("{0}")]
    Mutability(String),
    /// The `userName` is taken (also by an account SCIM deleted or cannot see).
    #[error("{0}")]
    Uniqueness(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        Self::Auth(AuthError::Store(e))
    }
}

impl From<UserError> for ScimError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::UserId(reason) => Self::InvalidValue(format!("userName: {reason}")),
            UserError::Email => Self::InvalidValue("emails: not a valid address".into()),
            UserError::Name => Self::InvalidValue(
                "displayName: 1 to 100 characters without control characters".into(),
            ),
            UserError::Duplicate => Self::Uniqueness("userName is already taken".into()),
            UserError::NotFound => Self::NotFound,
            UserError::Password(_) => Self::InvalidValue("password".into()),
            UserError::Auth(inner) => Self::Auth(inner),
        }
    }
}

impl crate::Auth {
    /// Where the SCIM endpoints are: `<PUBLIC_URL>/scim/v2`, the base of every
    /// `meta.location`.
    pub fn scim_base(&self) -> String {
        format!("{}/scim/v2", crate::oidc::issuer_of(&self.public_url))
    }
}
