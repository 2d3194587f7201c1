//! The signing keys: RS256 (RSA 2048), in the database, the private half sealed with the
//! key file, so every instance signs with the same key. The newest unretired key signs;
//! `spse-auth keys rotate` adds a new one and retires the old, which stays in the JWKS
//! until the tokens it signed have expired.
//!
//! RUSTSEC-2023-0071 (the Marvin attack on `rsa` before 0.10) is a timing side channel
//! in its non-constant-time big-integer arithmetic; `rsa` 0.10, which `jsonwebtoken` 12
//! and this module use, computes on `crypto-bigint`'s constant-time integers. The attack
//! also needs an oracle of many private-key operations on inputs the attacker chooses,
//! as RSA decryption gives: here the key only signs the SHA-256 of claims the server
//! composes, and never decrypts.

use std::sync::{Arc, Mutex, Once};

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde::Serialize;
use spse_store::SigningKeyRecord;

use super::{KEY_GRACE_SECS, OidcError};
use crate::Auth;

const RSA_BITS: usize = 2048;
const ALG: &str = "RS256";

/// What a sealed private key is bound to.
fn key_context(kid: &str) -> Vec<u8> {
    format!("oidc signing key:{kid}").into_bytes()
}

fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another crate in the process may have chosen first; either way one is installed.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}

/// A key as `keys list` shows it: never the private half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyView {
    pub kid: String,
    pub alg: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// Whether it signs now.
    pub current: bool,
    /// Until when the JWKS publishes it; `None` while it signs.
    pub published_until: Option<i64>,
}

/// The key that signs now, opened, cached per instance by its id.
#[derive(Default)]
pub(crate) struct SignerCache(Mutex<Option<(String, Arc<EncodingKey>)>>);

fn new_key(auth: &Auth) -> Result<SigningKeyRecord, OidcError> {
    install_provider();
    let private = rsa::PrivateKey::new(&mut getrandom_sys::SysRng, RSA_BITS)
        .map_err(|e| OidcError::Signing(e.to_string()))?;
    let der = private
        .to_pkcs1_der()
        .map_err(|e| OidcError::Signing(e.to_string()))?;
    let encoding = EncodingKey::from_rsa_der(der.as_bytes());
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
        .map_err(|e| OidcError::Signing(e.to_string()))?;
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| OidcError::Signing(e.to_string()))?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let public_jwk = serde_json::to_string(&jwk).map_err(|e| OidcError::Signing(e.to_string()))?;
    Ok(SigningKeyRecord {
        sealed_private: auth.secrets.seal(der.as_bytes(), &key_context(&kid)),
        kid,
        alg: ALG.to_string(),
        public_jwk,
        created_at: auth.now(),
        retired_at: None,
    })
}

impl Auth {
    /// How long after its retirement a key stays published.
    fn publish_secs(&self) -> i64 {
        self.oidc_policy().id_token_secs + KEY_GRACE_SECS
    }

    /// Adds a new signing key and retires the others (`spse-auth keys rotate`).
    pub async fn rotate_signing_key(&self, staff: &crate::Staff) -> Result<String, OidcError> {
        if !staff.is_admin() {
            return Err(OidcError::Auth(crate::AuthError::NotAllowed));
        }
        let key = new_key(self)?;
        self.store.rotate_signing_key(&key, self.now()).await?;
        tracing::info!(kid = %key.kid, by = staff.name(), "signing key rotated");
        Ok(key.kid)
    }

    /// Every key, newest first (`spse-auth keys list`).
    pub async fn list_signing_keys(
        &self,
        staff: &crate::Staff,
    ) -> Result<Vec<SigningKeyView>, OidcError> {
        if !staff.is_admin() {
            return Err(OidcError::Auth(crate::AuthError::NotAllowed));
        }
        Ok(self
            .store
            .signing_keys()
            .await?
            .into_iter()
            .map(|k| SigningKeyView {
                current: k.retired_at.is_none(),
                published_until: k.retired_at.map(|at| at + self.publish_secs()),
                kid: k.kid,
                alg: k.alg,
                created_at: k.created_at,
                retired_at: k.retired_at,
            })
            .collect())
    }

    /// The key that signs now; the first one is made on first use, so a server that
    /// never serves a module never spends the time.
    async fn current_key(&self) -> Result<SigningKeyRecord, OidcError> {
        for _ in 0..2 {
            let keys = self.store.signing_keys().await?;
            if let Some(key) = keys.into_iter().find(|k| k.retired_at.is_none()) {
                return Ok(key);
            }
            let key = new_key(self)?;
            if self.store.add_first_signing_key(&key).await? {
                tracing::info!(kid = %key.kid, "first signing key made");
                return Ok(key);
            }
        }
        Err(OidcError::Signing("no signing key could be made".into()))
    }

    /// Signs `claims` with the current key; `typ` is the JOSE header's type.
    pub(crate) async fn sign<T: Serialize>(
        &self,
        claims: &T,
        typ: &str,
    ) -> Result<String, OidcError> {
        install_provider();
        let key = self.current_key().await?;
        let cached = {
            let cache = self.signer.0.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .as_ref()
                .filter(|(kid, _)| *kid == key.kid)
                .map(|(_, k)| k.clone())
        };
        let encoding = match cached {
            Some(k) => k,
            None => {
                let der = self
                    .secrets
                    .open(&key.sealed_private, &key_context(&key.kid))?;
                let k = Arc::new(EncodingKey::from_rsa_der(&der));
                *self.signer.0.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((key.kid.clone(), k.clone()));
                k
            }
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        header.typ = Some(typ.to_string());
        jsonwebtoken::encode(&header, claims, &encoding)
            .map_err(|e| OidcError::Signing(e.to_string()))
    }

    /// The published keys: the current one and those retired recently enough that
    /// tokens they signed may still be live.
    pub async fn jwks(&self) -> Result<JwkSet, OidcError> {
        self.current_key().await?;
        let now = self.now();
        let keys = self
            .store
            .signing_keys()
            .await?
            .into_iter()
            .filter(|k| k.retired_at.is_none_or(|at| at + self.publish_secs() > now))
            .map(|k| {
                serde_json::from_str::<Jwk>(&k.public_jwk)
                    .map_err(|e| OidcError::Signing(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(JwkSet { keys })
    }

    /// Checks a JWT this provider signed (an `id_token_hint`), expired or not: its
    /// claims, or `None` when no published key verifies it.
    pub(crate) async fn verify_own<T: serde::de::DeserializeOwned>(
        &self,
        jwt: &str,
    ) -> Result<Option<T>, OidcError> {
        install_provider();
        let Ok(header) = jsonwebtoken::decode_header(jwt) else {
            return Ok(None);
        };
        let Some(kid) = header.kid else {
            return Ok(None);
        };
        let set = self.jwks().await?;
        let Some(jwk) = set.find(&kid) else {
            return Ok(None);
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            return Ok(None);
        };
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[self.issuer()]);
        Ok(jsonwebtoken::decode::<T>(jwt, &key, &validation)
            .ok()
            .map(|data| data.claims))
    }
}
