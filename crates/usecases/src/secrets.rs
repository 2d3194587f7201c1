//! Encryption at rest of TOTP secrets and queued mail (XChaCha20-Poly1305), with the key
//! outside the database: a file created on first start with mode 0600, shared by every
//! instance. The database keeps only its check value (see `key_check`).

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use spse_domain::token;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// What the key check seals nothing with: the check value is HMAC-SHA256 of this text
/// under the key, so the database can tell keys apart without holding one.
const CHECK_TEXT: &[u8] = b"spse-auth key check v1";

/// The [`SecretBox::derive_key`] purpose of the key behind [`SecretBox::keyed_hash`].
const KEYED_HASH_PURPOSE: &str = "keyed hash v1";

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {0} must hold exactly {KEY_BYTES} bytes as 64 hex digits")]
    BadKey(String),
    #[error("a stored secret could not be decrypted (wrong key file or altered row)")]
    Undecryptable,
    /// No key file, but the database holds secrets or the check of a key.
    #[error("key file {path} is missing, but the database holds secrets sealed with a key")]
    Missing { path: String },
    /// The key file is not the one that sealed the database's secrets.
    #[error("key file {path} is not the key that sealed this database's secrets")]
    Mismatch { path: String },
    #[error("the key could not be checked against the database: {0}")]
    Store(#[from] spse_store::StoreError),
}

/// What a key derived from the server key is made from, before its purpose: never the
/// check text, so no derived key is the check value the database holds.
const DERIVE_TEXT: &[u8] = b"spse-auth derived key v1:";

/// Seals and opens small secrets bound to what they belong to (the associated data).
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    /// The key's check value (see [`CHECK_TEXT`]), computed once.
    check: String,
    /// HMAC-SHA256 under the key, for [`SecretBox::derive_key`].
    deriver: Hmac<Sha256>,
}

impl SecretBox {
    /// Reads the key file; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, SecretsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SecretsError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Makes a new key file (0600). Another process that made it first wins, and its key
    /// is read.
    pub fn create(path: &Path) -> Result<Self, SecretsError> {
        let io = |source| SecretsError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = token::random_hex(KEY_BYTES);
        let mut file = match create_private(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Self::load(path)?.ok_or_else(|| SecretsError::Missing {
                    path: path.display().to_string(),
                });
            }
            Err(e) => return Err(io(e)),
        };
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        tracing::info!(path = %path.display(), "created a new key file for TOTP secrets");
        Self::from_text(path, &text)
    }

    fn from_text(path: &Path, text: &str) -> Result<Self, SecretsError> {
        let bad = || SecretsError::BadKey(path.display().to_string());
        let key = hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() == KEY_BYTES)
            .ok_or_else(bad)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| bad())?;
        let deriver = <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(|_| bad())?;
        let mut mac = deriver.clone();
        mac.update(CHECK_TEXT);
        let check = hex::encode(mac.finalize().into_bytes());
        Ok(Self {
            cipher,
            check,
            deriver,
        })
    }

    /// A key for one purpose (e.g. signing proof-of-work challenges), derived from the key
    /// file: HMAC-SHA256 of [`DERIVE_TEXT`] and the purpose. Every instance with the same
    /// key file derives the same key; no new secret to keep.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let mut mac = self.deriver.clone();
        mac.update(DERIVE_TEXT);
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// What the database records of this key: it tells keys apart and reveals nothing
    /// of the key.
    pub fn check_value(&self) -> &str {
        &self.check
    }

    /// HMAC-SHA256 of `value` under a key derived from the key file, bound to `context`,
    /// hex encoded: what the database keeps of a long random secret (a client secret).
    /// A fast hash is enough for 256 random bits, which no guessing reaches; the key
    /// means a copy of the database alone cannot even test a guess, and a write to the
    /// database alone cannot plant a secret its writer knows.
    pub fn keyed_hash(&self, context: &[u8], value: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derive_key(KEYED_HASH_PURPOSE))
            .expect("HMAC takes a key of any length");
        mac.update(&(context.len() as u64).to_be_bytes());
        mac.update(context);
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `recorded` is this key's check value.
    pub fn matches(&self, recorded: &str) -> bool {
        token::equal(&self.check, recorded)
    }

    /// Encrypts `plaintext`; the result opens only with the same `context`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce_bytes = token::random_bytes(NONCE_BYTES);
        let nonce = XNonce::from_slice(&nonce_bytes);
        let sealed = self
            .cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("XChaCha20-Poly1305 encryption of a small buffer cannot fail");
        let mut out = nonce_bytes;
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SecretsError> {
        if sealed.len() < NONCE_BYTES {
            return Err(SecretsError::Undecryptable);
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| SecretsError::Undecryptable)
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        assert!(SecretBox::load(&path).unwrap().is_none());
        let first = SecretBox::create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = first.seal(b"secret", b"totp:1");
        let second = SecretBox::load(&path).unwrap().unwrap();
        assert_eq!(second.open(&sealed, b"totp:1").unwrap(), b"secret");
        assert!(second.matches(first.check_value()), "same key, same check");
        let again = SecretBox::create(&path).unwrap();
        assert!(
            again.matches(first.check_value()),
            "an existing file is kept"
        );
        assert!(second.open(&sealed, b"totp:2").is_err(), "bound to its row");
        let mut tampered = sealed.clone();
        tampered[30] ^= 1;
        assert!(second.open(&tampered, b"totp:1").is_err());
    }

    #[test]
    fn keyed_hashes_depend_on_key_context_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.key"), dir.path().join("b.key"));
        let (first, second) = (
            SecretBox::create(&a).unwrap(),
            SecretBox::create(&b).unwrap(),
        );
        let hash = first.keyed_hash(b"client", b"s3cret");
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, first.keyed_hash(b"client", b"s3cret"));
        assert_ne!(hash, second.keyed_hash(b"client", b"s3cret"), "keyed");
        assert_ne!(
            hash,
            first.keyed_hash(b"clien", b"ts3cret"),
            "context bound"
        );
        assert_ne!(hash, first.keyed_hash(b"client", b"s3creT"));
        assert_ne!(hash, first.check_value());
    }

    #[test]
    fn bad_key_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "short").unwrap();
        assert!(matches!(
            SecretBox::load(&path),
            Err(SecretsError::BadKey(_))
        ));
    }

    #[test]
    fn derived_keys_follow_the_key_file_and_are_never_the_check_value() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.key"), dir.path().join("b.key"));
        let first = SecretBox::create(&a).unwrap();
        let again = SecretBox::load(&a).unwrap().unwrap();
        let other = SecretBox::create(&b).unwrap();
        let key = first.derive_key("altcha");
        assert_eq!(key, again.derive_key("altcha"), "same file, same key");
        assert_ne!(key, other.derive_key("altcha"), "another file, another key");
        assert_ne!(key, first.derive_key("other purpose"));
        assert_ne!(hex::encode(key), first.check_value());
    }

    #[test]
    fn the_check_value_tells_keys_apart_and_is_not_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.key"), dir.path().join("b.key"));
        let (first, second) = (
            SecretBox::create(&a).unwrap(),
            SecretBox::create(&b).unwrap(),
        );
        assert!(!first.matches(second.check_value()));
        let key_text = std::fs::read_to_string(&a).unwrap();
        assert_eq!(first.check_value().len(), 64);
        assert_ne!(first.check_value(), key_text.trim());
    }
}
