//! How many waiting pages hold an event stream open, on this instance: a few per login
//! attempt and a bound per client address, so that streams cannot be opened by the
//! thousand to fill the server's memory. Each open stream holds a [`StreamPass`]; the
//! count goes down when the stream ends, however it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use spse_domain::client::counted_address_text;

/// Streams one login attempt may hold at once: a page open in a few tabs.
pub const STREAMS_PER_SESSION: usize = 3;

#[derive(Default)]
struct Counts {
    by_session: HashMap<String, usize>,
    by_address: HashMap<String, usize>,
}

/// The open streams, counted by session and by client address.
pub struct StreamCounter {
    per_session: usize,
    per_address: usize,
    counts: Mutex<Counts>,
}

/// One open stream; dropping it gives its place back.
pub struct StreamPass {
    counter: Arc<StreamCounter>,
    session: String,
    address: String,
}

impl StreamCounter {
    pub fn new(per_session: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            per_session,
            per_address,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// A place for one more stream of `session` from `address`, or `None` past either
    /// bound. An IPv6 address counts by its /64, as for connections.
    pub fn enter(self: &Arc<Self>, session: &str, address: &str) -> Option<StreamPass> {
        let address = counted_address_text(address);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let of_session = counts.by_session.get(session).copied().unwrap_or(0);
        let of_address = counts.by_address.get(&address).copied().unwrap_or(0);
        if of_session >= self.per_session || of_address >= self.per_address {
            return None;
        }
        counts
            .by_session
            .insert(session.to_string(), of_session + 1);
        counts.by_address.insert(address.clone(), of_address + 1);
        Some(StreamPass {
            counter: Arc::clone(self),
            session: session.to_string(),
            address,
        })
    }

    /// Streams open now (for tests and metrics).
    pub fn open(&self) -> usize {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.by_session.values().sum()
    }
}

impl Drop for StreamPass {
    fn drop(&mut self) {
        let mut counts = self
            .counter
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        release(&mut counts.by_session, &self.session);
        release(&mut counts.by_address, &self.address);
    }
}

fn release(map: &mut HashMap<String, usize>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_and_a_dropped_pass_gives_its_place_back() {
        let counter = StreamCounter::new(3, 4);
        let a: Vec<_> = (0..3).map(|_| counter.enter("s1", "10.0.0.1")).collect();
        assert!(a.iter().all(Option::is_some));
        assert!(counter.enter("s1", "10.0.0.2").is_none(), "per session");
        let b = counter.enter("s2", "10.0.0.1");
        assert!(b.is_some());
        assert!(counter.enter("s3", "10.0.0.1").is_none(), "per address");
        assert!(counter.enter("s3", "10.0.0.9").is_some(), "another address");
        drop(a);
        assert!(counter.enter("s1", "10.0.0.1").is_some());
        drop(b);
        assert_eq!(counter.open(), 0);
        assert!(counter.counts.lock().unwrap().by_address.is_empty());
    }

    #[test]
    fn an_ipv6_slash_64_is_one_address() {
        let counter = StreamCounter::new(3, 1);
        let _kept = counter.enter("s1", "2001:db8::1").unwrap();
        assert!(counter.enter("s2", "2001:db8::2").is_none());
        assert!(counter.enter("s2", "2001:db8:0:1::2").is_some());
    }
}
