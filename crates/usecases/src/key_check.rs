//! Which key sealed the database's secrets. A key file that is missing or another one
//! would make every TOTP user fail at the code step while the server looked healthy, so
//! a start refuses it, and readiness compares the recorded check value again.

use std::path::Path;

use spse_store::Store;

use super::Auth;
use crate::login::{activation_context, totp_context};
use crate::secrets::{SecretBox, SecretsError};

/// How the loaded key compares with the one the database records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Matches,
    /// The database records another key: it was replaced or restored under this instance.
    Mismatch,
    /// The record is gone: the database no longer says which key sealed it.
    Unrecorded,
    /// The record could not be read.
    Unknown,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matches => "ok",
            Self::Mismatch => "mismatch",
            Self::Unrecorded => "unrecorded",
            Self::Unknown => "unknown",
        }
    }
}

/// Loads the key file the database was sealed with. A first start (nothing sealed,
/// nothing recorded) makes the key; otherwise a missing file or another key refuses.
/// A database sealed before checks were recorded is proved by opening one of its secrets.
pub async fn open_key(store: &dyn Store, path: &Path, now: i64) -> Result<SecretBox, SecretsError> {
    let named = || path.display().to_string();
    let recorded = store.key_check().await?;
    let sample = store.sealed_sample().await?;
    let key = match SecretBox::load(path)? {
        Some(key) => key,
        None if recorded.is_some() || sample.is_some() => {
            return Err(SecretsError::Missing { path: named() });
        }
        None => SecretBox::create(path)?,
    };
    let recorded = match recorded {
        Some(recorded) => recorded,
        None => {
            if let Some(sample) = sample {
                let context = if sample.pending {
                    activation_context(sample.user_pk)
                } else {
                    totp_context(sample.user_pk)
                };
                key.open(sample.sealed.expose(), &context)
                    .map_err(|_| SecretsError::Mismatch { path: named() })?;
            }
            // Another instance starting at the same time may record its own first.
            store.record_key_check(key.check_value(), now).await?
        }
    };
    if !key.matches(&recorded) {
        return Err(SecretsError::Mismatch { path: named() });
    }
    Ok(key)
}

impl Auth {
    /// Compares the recorded check value with the key this instance holds.
    pub(crate) async fn key_state(&self) -> KeyState {
        match self.store.key_check().await {
            Ok(Some(recorded)) if self.secrets.matches(&recorded) => KeyState::Matches,
            Ok(Some(_)) => KeyState::Mismatch,
            Ok(None) => KeyState::Unrecorded,
            Err(e) => {
                tracing::warn!(error = %e, "readiness: key check not readable");
                KeyState::Unknown
            }
        }
    }
}
