//! The hardware limit of the password step: argon2id verifications per second on every
//! core, with the server's parameters (19 MiB, t=2, p=1) and the server's way of running
//! them: each thread keeps its working memory between verifications
//! (`crates/usecases/src/hasher/mod.rs`), which costs less than allocating it afresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Verifications per second with `threads` threads verifying back to back, and the CPU
/// time one took (this process's, read from `/proc/self/stat`), in microseconds.
pub fn verify_rate(threads: usize, duration: Duration) -> anyhow::Result<(f64, f64)> {
    let salt = SaltString::encode_b64(b"spse-bench-salt!").map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = argon2()?
        .hash_password(spse_testkit::PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string();
    let stored = Arc::new(stored);
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let cpu_before = crate::server::cpu_seconds("/proc/self/stat")?;
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (stored, done, stop) = (stored.clone(), done.clone(), stop.clone());
            std::thread::spawn(move || -> anyhow::Result<()> {
                let argon2 = argon2()?;
                let mut memory = vec![Block::default(); argon2.params().block_count()];
                while !stop.load(Ordering::Relaxed) {
                    let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("{e}"))?;
                    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
                        anyhow::bail!("the stored hash has no salt or output");
                    };
                    let mut salt_bytes = [0u8; 64];
                    let salt = salt
                        .decode_b64(&mut salt_bytes)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let mut out = vec![0u8; expected.len()];
                    argon2
                        .hash_password_into_with_memory(
                            spse_testkit::PASSWORD.as_bytes(),
                            salt,
                            &mut out,
                            &mut memory,
                        )
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    anyhow::ensure!(out == expected.as_bytes(), "the password did not verify");
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("an argon2 thread panicked"))??;
    }
    let cpu = crate::server::cpu_seconds("/proc/self/stat")? - cpu_before;
    let done = done.load(Ordering::Relaxed) as f64;
    Ok((
        done / started.elapsed().as_secs_f64(),
        cpu * 1e6 / done.max(1.0),
    ))
}
