//! Encryption at rest of TOTP secrets (XChaCha20-Poly1305), with the key outside the
//! database: a file created on first start with mode 0600, shared by every instance.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use spse_domain::token;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

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
}

/// Seals and opens small secrets bound to what they belong to (the associated data).
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    /// Reads the key file, or creates it (0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretsError> {
        let io = |source| SecretsError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let text = token::random_hex(KEY_BYTES);
                let mut file = create_private(path).map_err(io)?;
                file.write_all(text.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                tracing::info!(path = %path.display(), "created a new key file for TOTP secrets");
                text
            }
            Err(e) => return Err(io(e)),
        };
        let key = hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() == KEY_BYTES)
            .ok_or_else(|| SecretsError::BadKey(path.display().to_string()))?;
        let cipher = XChaCha20Poly1305::new_from_slice(&key)
            .map_err(|_| SecretsError::BadKey(path.display().to_string()))?;
        Ok(Self { cipher })
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
        let first = SecretBox::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = first.seal(b"secret", b"totp:1");
        let second = SecretBox::load_or_create(&path).unwrap();
        assert_eq!(second.open(&sealed, b"totp:1").unwrap(), b"secret");
        assert!(second.open(&sealed, b"totp:2").is_err(), "bound to its row");
        let mut tampered = sealed.clone();
        tampered[30] ^= 1;
        assert!(second.open(&tampered, b"totp:1").is_err());
    }

    #[test]
    fn bad_key_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "short").unwrap();
        assert!(matches!(
            SecretBox::load_or_create(&path),
            Err(SecretsError::BadKey(_))
        ));
    }
}
