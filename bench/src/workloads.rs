//! One measurement each: the password step, the code step, `/beranda`, an approval
//! reaching its waiting page, and thousands of waiting pages held open.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use spse_protocol::time_step;
use spse_testkit::Browser;
use spse_testkit::device::unix_now;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::browser;
use crate::load::{Sample, closed_loop, in_parallel, open_loop};
use crate::setup::{CodeUser, DeviceUser};
use crate::visit::Visit;

/// Password logins by `clients` at once, each login a new visitor on a connection of
/// its own (see `visit`); the latency is that of the password POST alone.
pub async fn password_saturated(
    base: &str,
    users: Arc<Vec<String>>,
    clients: usize,
    duration: Duration,
) -> Sample {
    let base = Arc::new(base.to_string());
    closed_loop(
        clients,
        duration,
        |i| (i, 0usize),
        move |(worker, n): &mut (usize, usize)| {
            *n += 1;
            let user = users[(*worker * 7919 + *n) % users.len()].clone();
            let base = base.clone();
            async move { timed_password_login(&base, &user).await }
        },
    )
    .await
}

pub async fn password_at_rate(
    base: &str,
    users: Arc<Vec<String>>,
    rate: f64,
    duration: Duration,
) -> Sample {
    let count = (rate * duration.as_secs_f64()).ceil().max(1.0) as usize;
    let base = Arc::new(base.to_string());
    open_loop(rate, count, move |i| {
        let user = users[i % users.len()].clone();
        let base = base.clone();
        async move { timed_password_login(&base, &user).await }
    })
    .await
}

/// One new visitor's password step, on a connection of its own (see `visit`); the
/// latency is that of the password POST alone.
async fn timed_password_login(base: &str, user_id: &str) -> anyhow::Result<Duration> {
    let mut visit = Visit::start(base).await?;
    let door = format!("/login/{}", browser::KIND.as_str());
    visit.get(&door).await?;
    let next = visit.post(&door, &[("user_id", user_id)]).await?;
    if next.location.as_deref() != Some("/login/password") {
        bail!("user ID step for {user_id} answered {}", next.status);
    }
    visit.get("/login/password").await?;
    let sent = Instant::now();
    let next = visit
        .post("/login/password", &[("password", spse_testkit::PASSWORD)])
        .await?;
    let latency = sent.elapsed();
    if next.location.as_deref() != Some("/totp/acceptor") {
        bail!(
            "password step for {user_id} answered {} to {:?}",
            next.status,
            next.location
        );
    }
    Ok(latency)
}

/// Browsers at the code step, one per user, each on the acceptor page with its form.
pub async fn at_code_step(base: &str, users: &[CodeUser]) -> anyhow::Result<Vec<Browser>> {
    let base = Arc::new(base.to_string());
    let ids: Arc<Vec<String>> = Arc::new(users.iter().map(|u| u.user_id.clone()).collect());
    in_parallel(4, ids.len(), |i| {
        let (base, ids) = (base.clone(), ids.clone());
        async move {
            let browser = browser::new(&base);
            let next = browser::password_step(&browser, &ids[i]).await?;
            if next != "/totp/acceptor" {
                bail!("{}: password step led to {next}", ids[i]);
            }
            browser.try_get("/totp/acceptor").await?;
            Ok(browser)
        }
    })
    .await
}

async fn timed_code(browser: &Browser, user: &CodeUser) -> anyhow::Result<(Duration, u64)> {
    let now = unix_now();
    let code = user.key.code_at(now);
    let sent = Instant::now();
    let page = browser
        .try_post("/totp/acceptor", &[("code", &code)])
        .await?;
    let latency = sent.elapsed();
    if page.location() != Some("/beranda") {
        bail!("code step for {} answered {}", user.user_id, page.status);
    }
    Ok((latency, time_step(now)))
}

type Slot = Arc<Mutex<(Browser, CodeUser)>>;

fn slots(browsers: Vec<Browser>, users: Vec<CodeUser>) -> Vec<Slot> {
    browsers
        .into_iter()
        .zip(users)
        .map(|pair| Arc::new(Mutex::new(pair)))
        .collect()
}

/// Every prepared login sends its code, `clients` at a time; the rate is codes answered
/// over the time from the first sent to the last answered.
pub async fn code_saturated(
    browsers: Vec<Browser>,
    users: Vec<CodeUser>,
    clients: usize,
) -> (Sample, Vec<(Browser, CodeUser)>) {
    let slots = slots(browsers, users);
    let started = Instant::now();
    let shared = Arc::new(slots.clone());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (shared, next) = (shared.clone(), next.clone());
            tokio::spawn(async move {
                let mut sample = Sample::default();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(slot) = shared.get(i) else { break };
                    let mut slot = slot.lock().await;
                    let (browser, user) = &mut *slot;
                    match timed_code(browser, user).await {
                        Ok((latency, step)) => {
                            user.last_step = step;
                            sample.latencies.push(latency);
                        }
                        Err(e) => {
                            eprintln!("  {e:#}");
                            sample.errors += 1;
                        }
                    }
                }
                sample
            })
        })
        .collect();
    let mut total = Sample::default();
    for worker in workers {
        if let Ok(sample) = worker.await {
            total.latencies.extend(sample.latencies);
            total.errors += sample.errors;
        }
    }
    total.elapsed = started.elapsed();
    drop(shared);
    (total, unwrap_slots(slots))
}

/// The prepared logins send their codes on a schedule, `rate` per second.
pub async fn code_at_rate(
    browsers: Vec<Browser>,
    users: Vec<CodeUser>,
    rate: f64,
) -> (Sample, Vec<(Browser, CodeUser)>) {
    let slots = slots(browsers, users);
    let shared = Arc::new(slots.clone());
    let sample = open_loop(rate, slots.len(), move |i| {
        let slot = shared[i].clone();
        async move {
            let mut slot = slot.lock().await;
            let (browser, user) = &mut *slot;
            let (latency, step) = timed_code(browser, user).await?;
            user.last_step = step;
            Ok(latency)
        }
    })
    .await;
    (sample, unwrap_slots(slots))
}

/// The browsers and users back, once every request that held them has finished.
fn unwrap_slots(slots: Vec<Slot>) -> Vec<(Browser, CodeUser)> {
    slots
        .into_iter()
        .map(|slot| match Arc::try_unwrap(slot) {
            Ok(pair) => pair.into_inner(),
            Err(_) => unreachable!("every request holding a login has finished"),
        })
        .collect()
}

/// `/beranda` fetched back to back by signed-in browsers, one keep-alive connection each.
pub async fn beranda(browsers: Vec<Browser>, duration: Duration) -> Sample {
    let browsers: Vec<_> = browsers
        .into_iter()
        .map(|b| Arc::new(Mutex::new(b)))
        .collect();
    let clients = browsers.len();
    closed_loop(
        clients,
        duration,
        move |i| browsers[i].clone(),
        |browser: &mut Arc<Mutex<Browser>>| {
            let browser = browser.clone();
            async move {
                let browser = browser.lock().await;
                let sent = Instant::now();
                let response = browser
                    .client
                    .get(format!("{}/beranda", browser.base))
                    .send()
                    .await?;
                let status = response.status();
                response.bytes().await?;
                let latency = sent.elapsed();
                if status != 200 {
                    bail!("/beranda answered {status}");
                }
                Ok(latency)
            }
        },
    )
    .await
}

/// A browser waiting on the acceptor page for `user`, and the number it shows.
async fn waiting_at_acceptor(base: &str, user_id: &str) -> anyhow::Result<(Browser, u32)> {
    let browser = browser::new(base);
    let next = browser::password_step(&browser, user_id).await?;
    if next != "/totp/acceptor" {
        bail!("{user_id}: password step led to {next}");
    }
    let page = browser.try_get("/totp/acceptor").await?;
    let number = page
        .by_id("approval-number")
        .with_context(|| format!("{user_id}: no approval offered"))?
        .parse()?;
    Ok((browser, number))
}

/// From the moment the app sends its approval to the moment the waiting page's event
/// stream says `done`; one login at a time.
pub async fn approval_latency(
    base: &str,
    users: &[DeviceUser],
    count: usize,
) -> anyhow::Result<Sample> {
    let mut sample = Sample::default();
    let started = Instant::now();
    for i in 0..count {
        let user = &users[i % users.len()];
        let (browser, number) = waiting_at_acceptor(base, &user.user_id).await?;
        let mut events = browser
            .client
            .get(format!("{base}/totp/acceptor/events"))
            .header("accept", "text/event-stream")
            .send()
            .await?;
        if events.status() != 200 {
            bail!("event stream answered {}", events.status());
        }
        let approval = user.device.newest_pending(base).await?;
        let waiter = tokio::spawn(async move {
            let mut seen = String::new();
            while let Some(chunk) = events.chunk().await? {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains("event: done") {
                    return Ok(Instant::now());
                }
            }
            bail!("event stream ended without `done`")
        });
        let decided = Instant::now();
        user.device.approve(base, &approval, number).await?;
        let arrived = tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .context("no event within 10 s of the approval")???;
        sample.latencies.push(arrived - decided);
    }
    sample.elapsed = started.elapsed();
    Ok(sample)
}

/// `count` waiting acceptor pages: each device user logs in up to `per_user` times (an account
/// holds at most 3 pending approvals), and each login's page opens its event stream
/// right after it, so that the first pages are still waiting when the last opens (an
/// approval lasts two minutes). Each stream has had its response head; also says how
/// many had their `done` with it (their wait had ended already).
pub async fn open_waiting_pages(
    base: &str,
    users: &[DeviceUser],
    per_user: usize,
    count: usize,
) -> anyhow::Result<(Vec<TcpStream>, usize)> {
    let base = Arc::new(base.to_string());
    let ids: Arc<Vec<String>> = Arc::new(users.iter().map(|u| u.user_id.clone()).collect());
    let pages = in_parallel(8, count.min(ids.len() * per_user), |i| {
        let (base, ids) = (base.clone(), ids.clone());
        async move {
            let (browser, _) = waiting_at_acceptor(&base, &ids[i / per_user]).await?;
            let cookie = browser.cookie_header().context("no cookies")?;
            open_waiting_page(&base, &cookie).await
        }
    })
    .await?;
    let ended = pages.iter().filter(|(_, ended)| *ended).count();
    Ok((pages.into_iter().map(|(stream, _)| stream).collect(), ended))
}

/// One event stream on a connection of its own, as a waiting page opens it.
async fn open_waiting_page(base: &str, cookie: &str) -> anyhow::Result<(TcpStream, bool)> {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await?;
    let request = format!(
        "GET /totp/acceptor/events HTTP/1.1\r\nHost: {address}\r\n\
         Accept: text/event-stream\r\nUser-Agent: Mozilla/5.0 spse-bench\r\n\
         Cookie: {cookie}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            bail!("an event stream closed before its head");
        }
        head.extend_from_slice(&buffer[..n]);
    }
    if !head.starts_with(b"HTTP/1.1 200") {
        bail!(
            "event stream: {}",
            String::from_utf8_lossy(&head).lines().next().unwrap_or("")
        );
    }
    let ended = String::from_utf8_lossy(&head).contains("event: done");
    Ok((stream, ended))
}

/// How many of `streams` have already had their `done` event (the wait ended early).
pub async fn ended(streams: &mut [TcpStream]) -> usize {
    let mut ended = 0;
    let mut buffer = [0u8; 4096];
    for stream in streams {
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_micros(200), stream.read(&mut buffer)).await
            && (n == 0 || String::from_utf8_lossy(&buffer[..n]).contains("event: done"))
        {
            ended += 1;
        }
    }
    ended
}
