//! Load shapes and latency statistics. A closed loop (a fixed number of clients, each
//! sending its next request when the last is answered) finds the saturation rate; an
//! open loop (requests started on a schedule, whatever the answers) measures latency
//! at a given rate without hiding queueing.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Latencies of one measurement, and how many requests finished per second.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub elapsed: Duration,
    /// For a closed loop: the requests that finished in its steady window, after the
    /// warm-up and before the stop, and how long that window was.
    pub steady: Option<(usize, Duration)>,
}

impl Sample {
    /// Requests per second: in the steady window where there is one, else over all.
    pub fn rate(&self) -> f64 {
        let (done, elapsed) = self.steady.unwrap_or((self.latencies.len(), self.elapsed));
        done as f64 / elapsed.as_secs_f64().max(1e-9)
    }

    /// The q-quantile (0..=1) in milliseconds, nearest rank.
    pub fn ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1].as_secs_f64() * 1000.0
    }

    fn merge(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
    }

    /// Another measurement of the same kind added to this one: latencies, errors, time,
    /// and the steady windows, whose rate becomes that of both together.
    pub fn combine(&mut self, other: Sample) {
        self.elapsed += other.elapsed;
        self.steady = match (self.steady, other.steady) {
            (Some((a, ta)), Some((b, tb))) => Some((a + b, ta + tb)),
            (mine, theirs) => mine.or(theirs),
        };
        self.merge(other);
    }
}

/// `clients` workers, each running `request` back to back for a warm-up of
/// `duration` / 8 and then for `duration`. The rate counts the requests that finished
/// within those `duration` alone: not the start, when the clients are all in the first
/// steps of their flows at once, nor the drain after the stop, when fewer and fewer are
/// still at work. Latencies and CPU figures count every request.
/// `request` returns the latency it measured (its own setup excluded), or an error.
pub async fn closed_loop<S, F, Fut>(
    clients: usize,
    duration: Duration,
    state: impl Fn(usize) -> S,
    request: F,
) -> Sample
where
    S: Send + 'static,
    F: Fn(&mut S) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = anyhow::Result<Duration>> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let warm_up = duration / 8;
    let workers: Vec<_> = (0..clients)
        .map(|i| {
            let mut state = state(i);
            let request = request.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut sample = Sample::default();
                let mut finished = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match request(&mut state).await {
                        Ok(latency) => {
                            sample.latencies.push(latency);
                            finished.push(Instant::now());
                        }
                        Err(e) => {
                            if sample.errors == 0 {
                                eprintln!("  request failed: {e:#}");
                            }
                            sample.errors += 1;
                        }
                    }
                }
                (sample, finished)
            })
        })
        .collect();
    tokio::time::sleep(warm_up + duration).await;
    stop.store(true, Ordering::Relaxed);
    let steady_from = started + warm_up;
    let steady_until = Instant::now();
    let mut total = Sample::default();
    let mut steady = 0;
    for worker in workers {
        if let Ok((sample, finished)) = worker.await {
            steady += finished
                .iter()
                .filter(|&&at| at >= steady_from && at <= steady_until)
                .count();
            total.merge(sample);
        }
    }
    total.elapsed = started.elapsed();
    total.steady = Some((steady, steady_until - steady_from));
    total
}

/// Starts `request(i)` at `rate` per second for `count` requests, without waiting for
/// answers; each measures its own latency.
pub async fn open_loop<F, Fut>(rate: f64, count: usize, request: F) -> Sample
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<Duration>> + Send + 'static,
{
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        tokio::time::sleep_until((started + interval * i as u32).into()).await;
        tasks.push(tokio::spawn(request(i)));
    }
    let mut total = Sample::default();
    for task in tasks {
        match task.await {
            Ok(Ok(latency)) => total.latencies.push(latency),
            Ok(Err(e)) => {
                if total.errors == 0 {
                    eprintln!("  request failed: {e:#}");
                }
                total.errors += 1;
            }
            Err(_) => total.errors += 1,
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// Runs `work(i)` for i in 0..count, at most `parallel` at once; the first error wins.
pub async fn in_parallel<T, F, Fut>(
    parallel: usize,
    count: usize,
    work: F,
) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let permit = permits.clone().acquire_owned().await?;
        let job = work(i);
        tasks.push(tokio::spawn(async move {
            let result = job.await;
            drop(permit);
            result
        }));
    }
    let mut out = Vec::with_capacity(count);
    for task in tasks {
        out.push(task.await??);
    }
    Ok(out)
}

/// The median of a figure over runs (NaN when no run measured it).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}
