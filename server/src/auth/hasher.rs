//! argon2id off the async workers, a bounded number at a time, with a dummy hash so an
//! unknown user costs the same as a known one (zero-to-production's `password.rs`).

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::token;

/// OWASP's argon2id minimum: 19 MiB, two passes, one lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes and verifies passwords without blocking the request workers.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    dummy: Arc<String>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        let dummy = hash_blocking(&token::random_hex(16)).expect("hashing a random string works");
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(dummy),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError(e.to_string()))
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no user, so the
    /// caller's answer takes the same time either way.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let is_real = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy.as_str().to_string());
        let matched = self
            .run(move || verify_blocking(&password, &stored))
            .await?;
        Ok(matched && is_real)
    }
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    let salt =
        SaltString::encode_b64(&token::random_bytes(16)).map_err(|e| HashError(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let hasher = Hasher::new(2);
        let a = hasher.hash("kopi tubruk".into()).await.unwrap();
        let b = hasher.hash("kopi tubruk".into()).await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(
            hasher
                .verify("kopi tubruk".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("kopi tubruk!".into(), Some(a)).await.unwrap());
        assert!(!hasher.verify("anything".into(), None).await.unwrap());
    }
}
