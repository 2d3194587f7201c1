//! The encrypted container that holds the store on disk.
//!
//! Version 1 layout (integers little-endian):
//!
//! ```text
//! magic "SPSEAUTH" (8) | version = 1 (1) | argon2id m_cost KiB (4) | t_cost (4) | p_cost (4)
//! | salt (16) | nonce (24) | XChaCha20-Poly1305 ciphertext with its 16-byte tag
//! ```
//!
//! The key is derived from the passphrase with argon2id. The KDF parameters travel in
//! the header so that they can be raised later without breaking old files, and the
//! whole header is the AEAD's associated data: changing any byte of it makes opening
//! fail just as a wrong passphrase does.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"SPSEAUTH";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 1 + 3 * 4 + SALT_LEN + NONCE_LEN;

/// The argon2id cost of deriving the key (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl KdfParams {
    /// What new stores are written with.
    pub const DEFAULT: Self = Self {
        memory_kib: 19_456,
        passes: 2,
        lanes: 1,
    };

    /// A file is untrusted until it opens: refuse costs that would let a planted file
    /// eat the machine's memory or time before the tag check can reject it.
    fn is_reasonable(self) -> bool {
        (8..=1_048_576).contains(&self.memory_kib)
            && (1..=16).contains(&self.passes)
            && (1..=16).contains(&self.lanes)
    }
}

/// Why a store file could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("not a spse-authenticator store")]
    NotAStore,
    #[error("store format version {0} is newer than this program")]
    UnsupportedVersion(u8),
    #[error("the store file is truncated")]
    Truncated,
    #[error("the store header has unreasonable key derivation parameters")]
    BadParameters,
    /// AEAD cannot tell a wrong passphrase from a damaged file; both land here.
    #[error("wrong passphrase, or the file was altered")]
    WrongPassphrase,
    #[error("key derivation failed: {0}")]
    Kdf(argon2::Error),
    #[error("the system random generator failed: {0}")]
    Random(getrandom::Error),
    #[error("encryption failed")]
    Encrypt,
}

/// A key derived from the passphrase, kept while a command runs so that saving does not
/// pay for argon2 a second time. Every seal still uses a fresh random nonce.
pub struct SealingKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    salt: [u8; SALT_LEN],
    params: KdfParams,
}

impl SealingKey {
    /// Derives the key for a new store, with a fresh random salt.
    pub fn create(passphrase: &str) -> Result<Self, FormatError> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(FormatError::Random)?;
        Self::derive(passphrase, salt, KdfParams::DEFAULT)
    }

    fn derive(
        passphrase: &str,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Result<Self, FormatError> {
        let argon_params = Params::new(
            params.memory_kib,
            params.passes,
            params.lanes,
            Some(KEY_LEN),
        )
        .map_err(|_| FormatError::BadParameters)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
            .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut_slice())
            .map_err(FormatError::Kdf)?;
        Ok(Self { key, salt, params })
    }

    /// Encrypts `plaintext` into a complete store file.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(FormatError::Random)?;
        let header = self.header(&nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &header,
                },
            )
            .map_err(|_| FormatError::Encrypt)?;
        let mut file = header;
        file.extend_from_slice(&ciphertext);
        Ok(file)
    }

    fn header(&self, nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        header.extend_from_slice(&self.params.memory_kib.to_le_bytes());
        header.extend_from_slice(&self.params.passes.to_le_bytes());
        header.extend_from_slice(&self.params.lanes.to_le_bytes());
        header.extend_from_slice(&self.salt);
        header.extend_from_slice(nonce);
        header
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(self.key.as_slice()))
    }
}

/// Decrypts a store file, returning the plaintext and the key to seal it again.
pub fn open(
    passphrase: &str,
    file: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, SealingKey), FormatError> {
    if file.len() < MAGIC.len() + 1 || &file[..MAGIC.len()] != MAGIC {
        return Err(FormatError::NotAStore);
    }
    let version = file[MAGIC.len()];
    if version != VERSION {
        return Err(FormatError::UnsupportedVersion(version));
    }
    if file.len() < HEADER_LEN + TAG_LEN {
        return Err(FormatError::Truncated);
    }
    let (header, ciphertext) = file.split_at(HEADER_LEN);
    let mut fields = Fields(&header[MAGIC.len() + 1..]);
    let params = KdfParams {
        memory_kib: fields.u32(),
        passes: fields.u32(),
        lanes: fields.u32(),
    };
    let salt: [u8; SALT_LEN] = fields.array();
    let nonce: [u8; NONCE_LEN] = fields.array();
    if !params.is_reasonable() {
        return Err(FormatError::BadParameters);
    }
    let key = SealingKey::derive(passphrase, salt, params)?;
    let plaintext = key
        .cipher()
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: ciphertext,
                aad: header,
            },
        )
        .map_err(|_| FormatError::WrongPassphrase)?;
    Ok((Zeroizing::new(plaintext), key))
}

/// Reads fixed-size fields from a header whose length was checked beforehand.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let (head, rest) = self.0.split_at(N);
        out.copy_from_slice(head);
        self.0 = rest;
        out
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const SECRET_JSON: &[u8] = br#"{"accounts":[]}"#;

    fn sealed() -> Vec<u8> {
        SealingKey::create("correct horse")
            .unwrap()
            .seal(SECRET_JSON)
            .unwrap()
    }

    #[test]
    fn round_trip_and_reseal_with_the_same_key() {
        let file = sealed();
        assert_eq!(&file[..8], MAGIC);
        assert_eq!(file[8], VERSION);
        assert_eq!(file.len(), HEADER_LEN + SECRET_JSON.len() + TAG_LEN);
        let (plain, key) = open("correct horse", &file).unwrap();
        assert_eq!(plain.as_slice(), SECRET_JSON);

        let again = key.seal(SECRET_JSON).unwrap();
        assert_eq!(
            file[..HEADER_LEN - NONCE_LEN],
            again[..HEADER_LEN - NONCE_LEN],
            "same salt and params"
        );
        assert_ne!(
            file[HEADER_LEN - NONCE_LEN..HEADER_LEN],
            again[HEADER_LEN - NONCE_LEN..HEADER_LEN],
            "fresh nonce"
        );
        assert_eq!(
            open("correct horse", &again).unwrap().0.as_slice(),
            SECRET_JSON
        );
    }

    #[test]
    fn plaintext_does_not_appear_in_the_file() {
        let file = sealed();
        assert!(!file.windows(SECRET_JSON.len()).any(|w| w == SECRET_JSON));
    }

    #[test]
    fn new_stores_get_different_salts() {
        assert_ne!(sealed()[21..37], sealed()[21..37]);
    }

    #[test]
    fn wrong_passphrase_is_refused() {
        assert!(matches!(
            open("Correct horse", &sealed()),
            Err(FormatError::WrongPassphrase)
        ));
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let mut file = sealed();
        let last = file.len() - 1;
        file[last] ^= 1;
        assert!(matches!(
            open("correct horse", &file),
            Err(FormatError::WrongPassphrase)
        ));
        let mut file = sealed();
        file[HEADER_LEN] ^= 0x80;
        assert!(matches!(
            open("correct horse", &file),
            Err(FormatError::WrongPassphrase)
        ));
    }

    #[test]
    fn tampered_header_is_refused() {
        for index in [9, 13, 21, 36, 37, HEADER_LEN - 1] {
            let mut file = sealed();
            file[index] ^= 1;
            assert!(
                matches!(
                    open("correct horse", &file),
                    Err(FormatError::WrongPassphrase)
                ),
                "byte {index}"
            );
        }
    }

    #[test]
    fn absurd_parameters_are_refused_before_deriving() {
        let mut file = sealed();
        file[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            open("correct horse", &file),
            Err(FormatError::BadParameters)
        ));
    }

    #[test]
    fn foreign_truncated_and_future_files_are_named_as_such() {
        assert!(matches!(open("x", b""), Err(FormatError::NotAStore)));
        assert!(matches!(
            open("x", b"{\"accounts\":[]}"),
            Err(FormatError::NotAStore)
        ));
        let file = sealed();
        assert!(matches!(
            open("correct horse", &file[..HEADER_LEN + 3]),
            Err(FormatError::Truncated)
        ));
        let mut future = file.clone();
        future[8] = 2;
        assert!(matches!(
            open("correct horse", &future),
            Err(FormatError::UnsupportedVersion(2))
        ));
    }
}
