//! The store file on disk: where it lives, and reading and writing it safely.
//!
//! Only the owner may read it (0600 in a 0700 directory when we create them), and it is
//! replaced atomically (a temporary file in the same directory, fsync, rename, fsync of
//! the directory), so a crash leaves either the old store or the new one, never a torn
//! one.

use std::fs::DirBuilder;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::accounts::Accounts;
use crate::format::{self, FormatError, SealingKey};

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Format {
        path: PathBuf,
        #[source]
        source: FormatError,
    },
    /// The file decrypted, so the passphrase was right, yet the content is not ours.
    #[error("{path}: the decrypted content is not a list of accounts")]
    Content { path: PathBuf },
}

/// The variable that names the store when `--store` does not.
pub const STORE_VAR: &str = "SPSE_AUTHENTICATOR_STORE";

/// Where the store lives when `--store` does not say: `SPSE_AUTHENTICATOR_STORE`, else
/// `$XDG_DATA_HOME/spse-authenticator/store.json.enc`, else under `~/.local/share`.
/// Empty variables count as unset, as the XDG specification asks.
pub fn default_path() -> Option<PathBuf> {
    default_path_from(|name| std::env::var_os(name))
}

/// [`default_path`] over any environment, so the rule can be tested without touching
/// the process's own.
fn default_path_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(path) = var(STORE_VAR).filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let absolute = |name: &str| {
        var(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let data_home = absolute("XDG_DATA_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".local/share")))?;
    Some(data_home.join("spse-authenticator").join("store.json.enc"))
}

/// The store file, named but not yet read.
pub struct StoreFile {
    path: PathBuf,
}

/// A decrypted store: its accounts, and the key to write them back.
pub struct OpenStore {
    pub accounts: Accounts,
    key: SealingKey,
}

impl StoreFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether there is a store to open yet (commands that only read need no passphrase
    /// before the first account is added).
    pub fn exists(&self) -> Result<bool, StoreError> {
        self.path.try_exists().map_err(|e| self.io(e))
    }

    /// Decrypts the store. Nothing is written, so a wrong passphrase leaves the file as
    /// it was.
    pub fn open(&self, passphrase: &str) -> Result<OpenStore, StoreError> {
        let bytes = std::fs::read(&self.path).map_err(|e| self.io(e))?;
        let (plaintext, key) = format::open(passphrase, &bytes).map_err(|e| self.format(e))?;
        let accounts = serde_json::from_slice(&plaintext).map_err(|_| StoreError::Content {
            path: self.path.clone(),
        })?;
        Ok(OpenStore { accounts, key })
    }

    /// An empty store with a key derived from a new passphrase; it reaches the disk at
    /// the first [`StoreFile::save`].
    pub fn create(&self, passphrase: &str) -> Result<OpenStore, StoreError> {
        let key = SealingKey::create(passphrase).map_err(|e| self.format(e))?;
        Ok(OpenStore {
            accounts: Accounts::default(),
            key,
        })
    }

    /// Encrypts and atomically replaces the store file.
    pub fn save(&self, store: &OpenStore) -> Result<(), StoreError> {
        let plaintext =
            Zeroizing::new(serde_json::to_vec(&store.accounts).map_err(|e| self.io(e.into()))?);
        let sealed = store.key.seal(&plaintext).map_err(|e| self.format(e))?;
        let dir = self.parent();
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| self.io(e))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".store-")
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(0o600))
            .tempfile_in(dir)
            .map_err(|e| self.io(e))?;
        temp.write_all(&sealed).map_err(|e| self.io(e))?;
        temp.as_file().sync_all().map_err(|e| self.io(e))?;
        temp.persist(&self.path).map_err(|e| self.io(e.error))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.io(e))
    }

    fn parent(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn format(&self, source: FormatError) -> StoreError {
        StoreError::Format {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::MetadataExt;

    use spse_protocol::OtpauthUri;

    use super::*;
    use crate::accounts::Account;

    #[test]
    fn save_then_open_keeps_the_accounts_with_owner_only_modes() {
        let home = tempfile::tempdir().unwrap();
        let file = StoreFile::new(home.path().join("new-dir/store.json.enc"));
        assert!(!file.exists().unwrap());
        let mut store = file.create("pass phrase").unwrap();
        let uri = OtpauthUri::parse(
            "otpauth://totp/LPSE:PPK1?secret=JBSWY3DPEHPK3PXP&server=http://x&enroll=t",
        )
        .unwrap();
        store.accounts.upsert(Account::from_uri(&uri, 42));
        file.save(&store).unwrap();

        assert_eq!(
            std::fs::metadata(file.path()).unwrap().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(home.path().join("new-dir"))
                .unwrap()
                .mode()
                & 0o777,
            0o700
        );
        let names: Vec<_> = std::fs::read_dir(home.path().join("new-dir"))
            .unwrap()
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");

        let reopened = file.open("pass phrase").unwrap();
        let account = reopened.accounts.get(0).unwrap();
        assert_eq!(account.label(), "LPSE:PPK1");
        assert_eq!(account.key().secret(), uri.key.secret());
        assert_eq!(account.server.as_deref(), Some("http://x"));
        assert_eq!(account.enroll.as_deref(), Some("t"));
        assert_eq!(account.added_at, 42);
    }

    #[test]
    fn wrong_passphrase_reports_the_format_error() {
        let home = tempfile::tempdir().unwrap();
        let file = StoreFile::new(home.path().join("s"));
        file.save(&file.create("right").unwrap()).unwrap();
        let err = file.open("wrong").err().unwrap();
        assert!(matches!(
            err,
            StoreError::Format {
                source: FormatError::WrongPassphrase,
                ..
            }
        ));
    }

    #[test]
    fn default_path_follows_xdg_then_home() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.into())
        };
        let expect = |p: &str| Some(PathBuf::from(p));
        assert_eq!(
            default_path_from(env(&[("XDG_DATA_HOME", "/x/data"), ("HOME", "/home/u")])),
            expect("/x/data/spse-authenticator/store.json.enc")
        );
        assert_eq!(
            default_path_from(env(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/u")])),
            expect("/home/u/.local/share/spse-authenticator/store.json.enc")
        );
        assert_eq!(default_path_from(env(&[("XDG_DATA_HOME", "")])), None);
        assert_eq!(
            default_path_from(env(&[
                (STORE_VAR, "rel/s.enc"),
                ("XDG_DATA_HOME", "/x/data")
            ])),
            expect("rel/s.enc")
        );
        assert_eq!(
            default_path_from(env(&[(STORE_VAR, ""), ("HOME", "/home/u")])),
            expect("/home/u/.local/share/spse-authenticator/store.json.enc")
        );
    }
}
