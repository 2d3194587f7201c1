//! The hardware limit of the password step: argon2id verifications per second on every
//! core, with the server's parameters (19 MiB, t=2, p=1) and the server's way of running
//! them: each thread keeps its working memory between verifications
//! (`crates/usecases/src/hasher/mod.rs`), which costs less than allocating it afresh.

use std::sync::Arc;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Verifications per second with `threads` threads verifying back to back, and the CPU
/// time one took (this process's CPU-time clock), in microseconds. As in a
/// closed loop's steady window, the rate counts the verifications finished between the
/// start and the stop; each thread has made one before the start (its memory allocated
/// and touched, as a server's hashing thread has long done).
pub fn verify_rate(threads: usize, duration: Duration) -> anyhow::Result<(f64, f64)> {
    let salt = SaltString::encode_b64(b"spse-bench-salt!").map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = argon2()?
        .hash_password(spse_testkit::PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string();
    let stored = Arc::new(stored);
    let stop = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (stored, stop, ready) = (stored.clone(), stop.clone(), ready.clone());
            std::thread::spawn(move || -> anyhow::Result<Vec<Instant>> {
                let argon2 = argon2()?;
                let mut memory = vec![Block::default(); argon2.params().block_count()];
                verify(&argon2, &stored, &mut memory)?;
                ready.wait();
                let mut finished = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    verify(&argon2, &stored, &mut memory)?;
                    finished.push(Instant::now());
                }
                Ok(finished)
            })
        })
        .collect();
    ready.wait();
    let started = Instant::now();
    let cpu_before = crate::server::own_cpu_seconds()?;
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let stopped = Instant::now();
    let (mut in_window, mut all) = (0, 0);
    for worker in workers {
        let finished = worker
            .join()
            .map_err(|_| anyhow::anyhow!("an argon2 thread panicked"))??;
        all += finished.len();
        in_window += finished.iter().filter(|&&at| at <= stopped).count();
    }
    let cpu = crate::server::own_cpu_seconds()? - cpu_before;
    Ok((
        in_window as f64 / (stopped - started).as_secs_f64(),
        cpu * 1e6 / all.max(1) as f64,
    ))
}

/// One verification of `stored`, in `memory`, as the server's hashing threads make it.
fn verify(argon2: &Argon2<'_>, stored: &str, memory: &mut [Block]) -> anyhow::Result<()> {
    let parsed = PasswordHash::new(stored).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        anyhow::bail!("the stored hash has no salt or output");
    };
    let mut salt_bytes = [0u8; 64];
    let salt = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = vec![0u8; expected.len()];
    argon2
        .hash_password_into_with_memory(spse_testkit::PASSWORD.as_bytes(), salt, &mut out, memory)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(out == expected.as_bytes(), "the password did not verify");
    Ok(())
}
