//! Accounts for the load, made the way operators and users make them: `spse-auth user
//! add --password-stdin`, then TOTP activated through the real pages (a code from the key
//! the activation page shows, or a device enrolled with the page's token).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use spse_protocol::{STEP_SECONDS, TotpKey, time_step};

use spse_testkit::device::unix_now;
use spse_testkit::{Browser, PASSWORD};

use crate::browser;
use crate::device::Device;
use crate::load::in_parallel;
use crate::server::Target;

/// A user with TOTP active by code, and the last step a code of theirs was accepted at:
/// a code works once, so the next one must be from a later step.
pub struct CodeUser {
    pub user_id: String,
    pub key: TotpKey,
    pub last_step: u64,
}

pub struct DeviceUser {
    pub user_id: String,
    pub device: Device,
}

/// Creates `count` accounts named `prefix0001...` with the command line, two at a time.
pub async fn add_users(target: &Target, prefix: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let ids: Vec<String> = (1..=count).map(|i| format!("{prefix}{i:04}")).collect();
    // The first command makes the key file; later ones may then run side by side.
    if let Some(first) = ids.first() {
        target.add_user(first, PASSWORD)?;
    }
    let shared = Arc::new(ids.clone());
    let target = Arc::new(target.clone());
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    in_parallel(parallel, count.saturating_sub(1), |i| {
        let (target, ids) = (target.clone(), shared.clone());
        async move {
            tokio::task::spawn_blocking(move || target.add_user(&ids[i + 1], PASSWORD)).await?
        }
    })
    .await?;
    Ok(ids)
}

async fn to_activation(base: &str, user_id: &str) -> anyhow::Result<(Browser, TotpKey)> {
    let browser = browser::new(base);
    let next = browser::password_step(&browser, user_id).await?;
    if next != "/totp/aktivasi" {
        bail!("{user_id}: password step led to {next}, not the activation");
    }
    let key = browser.try_activation_key().await?;
    Ok((browser, key))
}

/// Activates TOTP for each user by typing the current code, as with any RFC 6238 app.
pub async fn activate_by_code(base: &str, ids: Vec<String>) -> anyhow::Result<Vec<CodeUser>> {
    let base = Arc::new(base.to_string());
    let ids = Arc::new(ids);
    in_parallel(4, ids.len(), |i| {
        let (base, ids) = (base.clone(), ids.clone());
        async move {
            let user_id = ids[i].clone();
            let (browser, key) = to_activation(&base, &user_id).await?;
            let now = unix_now();
            let page = browser
                .try_post("/totp/aktivasi", &[("code", &key.code_at(now))])
                .await?;
            if page.location() != Some("/beranda") {
                bail!("{user_id}: activation answered {}", page.status);
            }
            Ok(CodeUser {
                user_id,
                key,
                last_step: time_step(now),
            })
        }
    })
    .await
}

/// Activates TOTP for each user by enrolling a device, as the app does after a scan.
pub async fn activate_with_device(base: &str, ids: Vec<String>) -> anyhow::Result<Vec<DeviceUser>> {
    let base = Arc::new(base.to_string());
    let ids = Arc::new(ids);
    in_parallel(4, ids.len(), |i| {
        let (base, ids) = (base.clone(), ids.clone());
        async move {
            let user_id = ids[i].clone();
            let (_, key) = to_activation(&base, &user_id).await?;
            let device = Device::enroll(&base, &key)
                .await
                .with_context(|| format!("enrolling {user_id}"))?;
            Ok(DeviceUser { user_id, device })
        }
    })
    .await
}

/// Takes `n` users whose next code is fresh now, waiting for the next step if too few are.
pub async fn fresh_code_users(pool: &mut Vec<CodeUser>, n: usize) -> anyhow::Result<Vec<CodeUser>> {
    if pool.len() < n {
        bail!("only {} code users for a batch of {n}", pool.len());
    }
    loop {
        let step = time_step(unix_now());
        let (fresh, stale): (Vec<_>, Vec<_>) = std::mem::take(pool)
            .into_iter()
            .partition(|u| u.last_step < step);
        if fresh.len() >= n {
            let mut fresh = fresh;
            let rest = fresh.split_off(n);
            pool.extend(rest);
            pool.extend(stale);
            return Ok(fresh);
        }
        pool.extend(fresh);
        pool.extend(stale);
        let into_step = unix_now() % STEP_SECONDS;
        tokio::time::sleep(Duration::from_secs(STEP_SECONDS - into_step)).await;
    }
}
