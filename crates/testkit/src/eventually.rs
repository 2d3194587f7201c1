//! Waiting for work the program does in the background (a mail written by the queue's
//! worker, a page that finished loading, a process that exited): look again and again
//! until it is there or a deadline passes. Readiness only: no time rule is ever tested
//! by waiting, the clock under test stays pinned.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

/// How long [`eventually`] waits: long enough for a loaded machine, short enough that a
/// broken test fails in reasonable time.
const DEFAULT_LIMIT: Duration = Duration::from_secs(10);
const DEFAULT_INTERVAL: Duration = Duration::from_millis(20);

/// One look at the awaited thing: ready (`Some`, `Ok`), or not yet. An `Err` says what
/// was seen instead, for the message when the wait gives up.
pub trait Attempt {
    type Ready;
    fn ready(self) -> Result<Self::Ready, String>;
}

impl<T> Attempt for Option<T> {
    type Ready = T;
    fn ready(self) -> Result<T, String> {
        self.ok_or_else(|| "nothing yet".to_string())
    }
}

impl<T, E: fmt::Debug> Attempt for Result<T, E> {
    type Ready = T;
    fn ready(self) -> Result<T, String> {
        self.map_err(|seen| format!("{seen:?}"))
    }
}

/// A wait that gave up.
#[derive(Debug)]
pub struct TimedOut {
    pub what: String,
    pub limit: Duration,
    pub looks: u32,
    pub last_seen: String,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gave up waiting for {} after {:?} ({} looks); last seen: {}",
            self.what, self.limit, self.looks, self.last_seen
        )
    }
}

impl std::error::Error for TimedOut {}

/// A wait for `what`, with its limit and how often it looks.
pub struct Poll {
    what: String,
    limit: Duration,
    interval: Duration,
}

impl Poll {
    pub fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            limit: DEFAULT_LIMIT,
            interval: DEFAULT_INTERVAL,
        }
    }

    pub fn within(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// The pause between looks; the bench looks every millisecond where it measures how
    /// soon something happened.
    pub fn every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Looks until `look` is ready; it always looks at least once, and once more after
    /// the deadline has passed, so a slow last look is not lost.
    pub async fn until<A, F, Fut>(self, mut look: F) -> Result<A::Ready, TimedOut>
    where
        A: Attempt,
        F: FnMut() -> Fut,
        Fut: Future<Output = A>,
    {
        let deadline = Instant::now() + self.limit;
        let mut looks = 0;
        loop {
            looks += 1;
            let past = Instant::now() >= deadline;
            match look().await.ready() {
                Ok(ready) => return Ok(ready),
                Err(seen) if past => return Err(self.gave_up(looks, seen)),
                Err(_) => tokio::time::sleep(self.interval).await,
            }
        }
    }

    /// [`Poll::until`] for code without a runtime (child processes, a driver's port).
    pub fn until_blocking<A: Attempt>(
        self,
        mut look: impl FnMut() -> A,
    ) -> Result<A::Ready, TimedOut> {
        let deadline = Instant::now() + self.limit;
        let mut looks = 0;
        loop {
            looks += 1;
            let past = Instant::now() >= deadline;
            match look().ready() {
                Ok(ready) => return Ok(ready),
                Err(seen) if past => return Err(self.gave_up(looks, seen)),
                Err(_) => std::thread::sleep(self.interval),
            }
        }
    }

    fn gave_up(self, looks: u32, last_seen: String) -> TimedOut {
        TimedOut {
            what: self.what,
            limit: self.limit,
            looks,
            last_seen,
        }
    }
}

/// Waits (10 s at most) until `look` yields `Some` or `Ok`; panics naming `what` and the
/// last thing seen otherwise.
pub async fn eventually<A, F, Fut>(what: &str, look: F) -> A::Ready
where
    A: Attempt,
    F: FnMut() -> Fut,
    Fut: Future<Output = A>,
{
    eventually_within(what, DEFAULT_LIMIT, look).await
}

/// [`eventually`] with a limit of its own, for what takes longer (a database restart).
pub async fn eventually_within<A, F, Fut>(what: &str, limit: Duration, look: F) -> A::Ready
where
    A: Attempt,
    F: FnMut() -> Fut,
    Fut: Future<Output = A>,
{
    match Poll::new(what).within(limit).until(look).await {
        Ok(ready) => ready,
        Err(timed_out) => panic!("{timed_out}"),
    }
}

/// [`eventually_within`] for code without a runtime.
pub fn eventually_blocking<A: Attempt>(
    what: &str,
    limit: Duration,
    look: impl FnMut() -> A,
) -> A::Ready {
    match Poll::new(what).within(limit).until_blocking(look) {
        Ok(ready) => ready,
        Err(timed_out) => panic!("{timed_out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_what_the_first_ready_look_yields() {
        let mut looks = 0;
        let found = eventually("the third look", || {
            looks += 1;
            let now = looks;
            async move { (now == 3).then_some(now) }
        })
        .await;
        assert_eq!(found, 3);
    }

    #[tokio::test]
    async fn gives_up_naming_what_and_the_last_state() {
        let mut looks = 0;
        let timed_out = Poll::new("a mail")
            .within(Duration::from_millis(30))
            .every(Duration::from_millis(5))
            .until(|| {
                looks += 1;
                let now = looks;
                async move { Err::<(), _>(format!("{now} mails")) }
            })
            .await
            .expect_err("never ready");
        let message = timed_out.to_string();
        assert!(
            message.starts_with("gave up waiting for a mail after 30ms"),
            "{message}"
        );
        assert!(
            message.ends_with(&format!("last seen: \"{looks} mails\"")),
            "{message}"
        );
    }

    #[test]
    #[should_panic(expected = "gave up waiting for a process to exit")]
    fn the_blocking_wait_panics_when_it_gives_up() {
        eventually_blocking("a process to exit", Duration::from_millis(10), || {
            Err::<(), _>("still running")
        });
    }

    #[test]
    fn the_blocking_wait_looks_at_least_once() {
        let ready = eventually_blocking("nothing", Duration::ZERO, || Some(7));
        assert_eq!(ready, 7);
    }
}
