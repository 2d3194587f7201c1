//! The provisioning clients' bearer tokens: added (shown once), listed and revoked by an
//! admin on the command line, and checked on every SCIM request.

use spse_domain::event::EventKind;
use spse_domain::secret::Secret;
use spse_domain::token;
use spse_store::{ScimTokenRecord, StoreError};

use super::{ScimCaller, ScimError};
use crate::events::Subject;
use crate::{Auth, AuthError, Client, Staff};

/// Random bytes in a token: 256 bits, as hex after a prefix that says what it is.
const TOKEN_BYTES: usize = 32;
const TOKEN_PREFIX: &str = "spse_scim_";
/// What a token's keyed hash is bound to.
const TOKEN_CONTEXT: &[u8] = b"scim bearer token";
/// Longest bearer value looked at: anything longer is not one of ours.
const MAX_TOKEN: usize = 128;
const MAX_NAME: usize = 64;
/// How often a token's last use is written: a provisioning run sends many requests.
const TOUCH_EVERY_SECS: i64 = 60;

/// A token as the command line lists it: never the token or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimTokenView {
    pub name: String,
    pub created_at: i64,
    pub created_by: String,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScimTokenError {
    #[error("the name must be 1 to 64 letters, digits, '.', '_' or '-'")]
    Name,
    #[error("a token with this name exists already")]
    Duplicate,
    #[error("no token with this name")]
    NotFound,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for ScimTokenError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => Self::Duplicate,
            other => Self::Auth(AuthError::Store(other)),
        }
    }
}

fn check_name(name: &str) -> Result<(), ScimTokenError> {
    let ok = (1..=MAX_NAME).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then_some(()).ok_or(ScimTokenError::Name)
}

fn admin(staff: &Staff) -> Result<(), ScimTokenError> {
    if staff.is_admin() {
        Ok(())
    } else {
        Err(AuthError::NotAllowed.into())
    }
}

impl Auth {
    fn scim_token_hash(&self, token: &str) -> String {
        self.secrets.keyed_hash(TOKEN_CONTEXT, token.as_bytes())
    }

    /// Adds a token under `name` and returns it, to be shown this once. Admins only: a
    /// token can create and disable any ordinary account.
    pub async fn add_scim_token(
        &self,
        staff: &Staff,
        name: &str,
        client: &Client,
    ) -> Result<Secret<String>, ScimTokenError> {
        admin(staff)?;
        check_name(name)?;
        let token = format!("{TOKEN_PREFIX}{}", token::random_hex(TOKEN_BYTES));
        self.store
            .insert_scim_token(&ScimTokenRecord {
                name: name.to_string(),
                token_hash: self.scim_token_hash(&token),
                created_at: self.now(),
                created_by: staff.name().to_string(),
                last_used_at: None,
            })
            .await?;
        let detail = format!("token {name} by staff {}", staff.name());
        self.log_event(EventKind::ScimTokenAdded, Subject::Nobody, client, &detail)
            .await?;
        Ok(Secret::new(token))
    }

    pub async fn list_scim_tokens(
        &self,
        staff: &Staff,
    ) -> Result<Vec<ScimTokenView>, ScimTokenError> {
        admin(staff)?;
        Ok(self
            .store
            .list_scim_tokens()
            .await?
            .into_iter()
            .map(|t| ScimTokenView {
                name: t.name,
                created_at: t.created_at,
                created_by: t.created_by,
                last_used_at: t.last_used_at,
            })
            .collect())
    }

    /// Revokes a token: the next request with it is refused.
    pub async fn revoke_scim_token(
        &self,
        staff: &Staff,
        name: &str,
        client: &Client,
    ) -> Result<(), ScimTokenError> {
        admin(staff)?;
        if !self.store.delete_scim_token(name).await? {
            return Err(ScimTokenError::NotFound);
        }
        let detail = format!("token {name} by staff {}", staff.name());
        self.log_event(
            EventKind::ScimTokenRevoked,
            Subject::Nobody,
            client,
            &detail,
        )
        .await?;
        Ok(())
    }

    /// The proof that `bearer` is a live provisioning token; its use is recorded (to the
    /// minute).
    pub async fn scim_caller(&self, bearer: &str) -> Result<ScimCaller, ScimError> {
        if bearer.len() > MAX_TOKEN || !bearer.starts_with(TOKEN_PREFIX) {
            return Err(ScimError::Unauthorized);
        }
        let Some(record) = self
            .store
            .scim_token_by_hash(&self.scim_token_hash(bearer))
            .await?
        else {
            tracing::warn!("SCIM request with an unknown or revoked token refused");
            return Err(ScimError::Unauthorized);
        };
        let now = self.now();
        if record
            .last_used_at
            .is_none_or(|at| now - at >= TOUCH_EVERY_SECS)
        {
            self.store.touch_scim_token(&record.name, now).await?;
        }
        Ok(ScimCaller {
            token_name: record.name,
        })
    }
}
