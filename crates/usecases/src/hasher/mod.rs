//! argon2id on threads of its own, a bounded number at a time, with a dummy hash so an
//! unknown user costs the same as a known one (zero-to-production's `password.rs`).
//! Imported accounts' hashes of other kinds verify here too (see `formats`).

mod formats;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::oneshot;

use spse_domain::token;

pub use formats::{HashFormat, HashFormatError, classify};

/// What an account without a password yet stores (one imported without a hash, whose
/// owner is invited to choose one): no hash format, so it matches nothing, after the
/// dummy hash's time.
pub const NO_PASSWORD: &str = "!";

/// OWASP's argon2id minimum: 19 MiB, two passes, one lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn params() -> Params {
    Params::new(MEMORY_KIB, PASSES, LANES, None).expect("static argon2 parameters are valid")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// argon2's working memory (19 MiB), kept by each hashing thread between
/// verifications. Allocating it afresh each time left glibc holding every thread's copy
/// (a 470 MB peak under load, see the README's benchmark notes), and costs more.
type Memory = Vec<argon2::Block>;

/// A piece of hashing work, run on a hashing thread with that thread's memory.
type Job = Box<dyn FnOnce(&mut Option<Memory>) + Send>;

/// Hashes and verifies passwords on `concurrency` threads of its own, never on the
/// request workers. Work waits in one queue, and a thread that finishes takes the next
/// at once: under load the threads hash back to back, with no hand-over through the
/// async runtime in between. The threads end with the last clone of the hasher.
#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    dummy: Arc<String>,
    /// Memory sets allocated so far: at most one per thread.
    sets: Arc<AtomicUsize>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        let dummy = hash_blocking(&token::random_hex(16)).expect("hashing a random string works");
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hashing_thread(&queue))
                .expect("a hashing thread starts");
        }
        Self {
            jobs,
            dummy: Arc::new(dummy),
            sets: Arc::new(AtomicUsize::new(0)),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Option<Memory>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // The request went away while this waited: nobody needs the answer.
            if !reply.is_closed() {
                let _ = reply.send(work(memory));
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| HashError("the hashing threads have stopped".into()))?;
        answer
            .await
            .map_err(|_| HashError("a hashing thread failed".into()))
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move |_| hash_blocking(&password)).await?
    }

    /// Whether `password` matches `stored`; see [`Hasher::check`].
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        Ok(self.check(password, stored).await? != Verdict::Wrong)
    }

    /// Verifies against `stored`, or against the dummy hash when there is no user or the
    /// account has no password that can match (an imported account still invited to set
    /// one), so the caller's answer takes the same time either way.
    pub async fn check(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<Verdict, HashError> {
        let known = stored.and_then(|s| classify(&s).ok().map(|format| (s, format)));
        let is_real = known.is_some();
        let (stored, format) =
            known.unwrap_or_else(|| (self.dummy.as_str().to_string(), HashFormat::Argon2));
        let sets = Arc::clone(&self.sets);
        let verdict = self
            .run(move |memory| {
                if format != HashFormat::Argon2 {
                    return if formats::verify_imported(&password, &stored, format) {
                        Verdict::RightOutdated
                    } else {
                        Verdict::Wrong
                    };
                }
                let memory = memory.get_or_insert_with(|| {
                    sets.fetch_add(1, Ordering::Relaxed);
                    vec![argon2::Block::default(); params().block_count()]
                });
                verify_blocking(&password, &stored, memory)
            })
            .await?;
        Ok(if is_real { verdict } else { Verdict::Wrong })
    }
}

/// Takes work from the queue until every sender is gone. A job that panics loses its
/// answer (its caller gets an error), not the thread.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory = None;
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        if catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
            memory = None;
        }
    }
}

/// What a verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    /// Right, and the stored hash is today's argon2id.
    Right,
    /// Right, with a hash of another kind or other parameters (an imported or older
    /// one): the caller replaces it with today's while it has the password.
    RightOutdated,
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    let salt =
        SaltString::encode_b64(&token::random_bytes(16)).map_err(|e| HashError(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Verifies in `memory` when the hash has our parameters; any other argon2 hash (older
/// parameters, an imported one) is verified the ordinary way, and is outdated.
fn verify_blocking(password: &str, stored: &str, memory: &mut Memory) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Wrong;
    };
    let ours = parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed)
            .is_ok_and(|p| p.m_cost() == MEMORY_KIB && p.t_cost() == PASSES && p.p_cost() == LANES);
    if !ours {
        // `Argon2::verify_password` takes the kind, version and parameters from the hash.
        return if argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
        {
            Verdict::RightOutdated
        } else {
            Verdict::Wrong
        };
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Verdict::Wrong;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return Verdict::Wrong;
    };
    let mut out = vec![0u8; expected.len()];
    let matched = argon2()
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory.as_mut_slice())
        .is_ok()
        && token::equal_bytes(&out, expected.as_bytes());
    if matched {
        Verdict::Right
    } else {
        Verdict::Wrong
    }
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

    /// Hashes with other parameters (made by an older setting) still verify, the
    /// ordinary way; ours verify in the reused memory, and both refuse a wrong password.
    #[tokio::test]
    async fn other_parameters_and_reused_memory() {
        let hasher = Hasher::new(1);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"teh manis", &salt)
        .unwrap()
        .to_string();
        assert!(
            hasher
                .verify("teh manis".into(), Some(other.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("teh tawar".into(), Some(other))
                .await
                .unwrap()
        );
        let ours = hasher.hash("teh manis".into()).await.unwrap();
        for _ in 0..3 {
            assert!(
                hasher
                    .verify("teh manis".into(), Some(ours.clone()))
                    .await
                    .unwrap()
            );
            assert!(
                !hasher
                    .verify("teh tawar".into(), Some(ours.clone()))
                    .await
                    .unwrap()
            );
        }
        assert_eq!(hasher.sets.load(Ordering::Relaxed), 1, "one set, reused");
    }

    /// An imported bcrypt hash, and one of argon2i, verify and ask to be replaced; an
    /// account without a password (or with anything else stored) matches nothing.
    #[tokio::test]
    async fn imported_hashes_are_outdated_and_no_password_matches_nothing() {
        let hasher = Hasher::new(1);
        let bcrypt = bcrypt::hash("teh manis", 4).unwrap();
        let check = |password: &str, stored: &str| {
            hasher.check(password.to_string(), Some(stored.to_string()))
        };
        assert_eq!(
            check("teh manis", &bcrypt).await.unwrap(),
            Verdict::RightOutdated
        );
        assert_eq!(check("teh tawar", &bcrypt).await.unwrap(), Verdict::Wrong);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(4096, 3, 1, None).unwrap(),
        )
        .hash_password(b"teh manis", &salt)
        .unwrap()
        .to_string();
        assert_eq!(
            check("teh manis", &argon2i).await.unwrap(),
            Verdict::RightOutdated
        );
        let ours = hasher.hash("teh manis".into()).await.unwrap();
        assert_eq!(check("teh manis", &ours).await.unwrap(), Verdict::Right);
        for nothing in ["", "!", "teh manis"] {
            assert_eq!(check("teh manis", nothing).await.unwrap(), Verdict::Wrong);
        }
    }
}
