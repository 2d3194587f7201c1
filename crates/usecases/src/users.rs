//! Creating and listing accounts (the admin CLI).

use super::{Account, Auth, AuthError, Staff};
use spse_domain::password::{NewPassword, PasswordError};
use spse_domain::secret::Secret;
use spse_domain::user::{DisplayName, Email, Role, UserId, UserKind};
use spse_store::{NewUser, StoreError, UserRecord};

/// An account as an operator describes it.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub user_id: String,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: Secret<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("user ID: {0}")]
    UserId(#[from] spse_domain::user::UserIdError),
    #[error("email address is not valid")]
    Email,
    #[error("name must be 1 to 100 characters without control characters")]
    Name,
    #[error("password refused: {0}")]
    Password(#[from] PasswordError),
    #[error("a user with this ID already exists")]
    Duplicate,
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => Self::Duplicate,
            other => Self::Auth(AuthError::Store(other)),
        }
    }
}

/// An account's fields, checked: what [`Auth::create_account`] stores.
#[derive(Debug, Clone)]
pub(crate) struct AccountProfile {
    pub user_id: UserId,
    pub kind: UserKind,
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
}

impl AccountProfile {
    pub(crate) fn parse(
        user_id: &str,
        kind: UserKind,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<Self, UserError> {
        Ok(Self {
            user_id: UserId::parse(user_id)?,
            kind,
            email: Email::parse(email).ok_or(UserError::Email)?,
            name: DisplayName::parse(name).ok_or(UserError::Name)?,
            role,
        })
    }
}

impl Auth {
    pub async fn add_user(&self, input: NewUserInput) -> Result<Account, UserError> {
        let profile = AccountProfile::parse(
            &input.user_id,
            input.kind,
            &input.email,
            &input.name,
            input.role,
        )?;
        let password = NewPassword::parse(input.password.expose(), &profile.user_id)?;
        if self
            .store
            .user_by_key(&profile.user_id.key())
            .await?
            .is_some()
        {
            return Err(UserError::Duplicate);
        }
        let password_hash = self
            .hasher
            .hash(password.as_str().to_string())
            .await
            .map_err(AuthError::from)?;
        let user = self.create_account(&profile, password_hash).await?;
        Ok(Account::from(&user))
    }

    /// The one way an account is stored: `user add` and SCIM provisioning both come here.
    pub(crate) async fn create_account(
        &self,
        profile: &AccountProfile,
        password_hash: String,
    ) -> Result<UserRecord, UserError> {
        let pk = self
            .store
            .insert_user(
                &NewUser {
                    user_key: profile.user_id.key(),
                    user_id: profile.user_id.to_string(),
                    kind: profile.kind,
                    email: profile.email.as_str().to_string(),
                    name: profile.name.as_str().to_string(),
                    role: profile.role,
                    password_hash: Secret::new(password_hash),
                },
                self.now(),
            )
            .await?;
        self.store.user_by_pk(pk).await?.ok_or(UserError::NotFound)
    }

    /// Sets a password chosen by the operator's tooling (demo accounts).
    pub async fn set_password(
        &self,
        _staff: &Staff,
        typed_user_id: &str,
        password: &str,
    ) -> Result<(), UserError> {
        let user = self.find_user(typed_user_id).await?;
        let user_id = user.user_id.clone();
        let password = NewPassword::parse(password, &user_id)?;
        let hash = self
            .hasher
            .hash(password.as_str().to_string())
            .await
            .map_err(AuthError::from)?;
        self.store.set_password_hash(user.pk, &hash).await?;
        Ok(())
    }

    pub(crate) async fn find_user(&self, typed_user_id: &str) -> Result<UserRecord, UserError> {
        let user_id = UserId::parse(typed_user_id)?;
        self.store
            .user_by_key(&user_id.key())
            .await?
            .ok_or(UserError::NotFound)
    }

    pub(crate) async fn list_users(&self) -> Result<Vec<UserRecord>, UserError> {
        Ok(self.store.list_users().await?)
    }
}
