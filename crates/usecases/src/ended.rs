//! Sessions ended by a logout while the database refused to delete them (a full disk).
//! The cookie is cleared at once; the session id is kept here, refused by every lookup,
//! and its row deleted as soon as the database takes writes again. Other instances learn
//! of it through the database's notices (PostgreSQL NOTIFY works in a read-only
//! transaction too). Memory only: what a restart forgets during such an outage is the
//! limit of this.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use spse_domain::secret::SessionHash;

/// Most ids kept: enough for every logout of a long outage, bounded against a flood.
const MAX_KEPT: usize = 10_000;

#[derive(Default)]
pub(crate) struct EndedSessions {
    /// Each id, with the time after which its session would have expired anyway.
    until: Mutex<HashMap<SessionHash, i64>>,
}

impl EndedSessions {
    /// Keeps `id_hash` refused until `until`; `false` when full.
    pub fn insert(&self, id_hash: SessionHash, until: i64, now: i64) -> bool {
        let mut kept = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|_, until| *until > now);
        if kept.len() >= MAX_KEPT && !kept.contains_key(&id_hash) {
            return false;
        }
        kept.insert(id_hash, until);
        true
    }

    pub fn contains(&self, id_hash: &SessionHash, now: i64) -> bool {
        let kept = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(id_hash).is_some_and(|until| *until > now)
    }

    /// The ids whose rows may still be in the database.
    pub fn pending(&self, now: i64) -> Vec<SessionHash> {
        let mut kept = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|_, until| *until > now);
        kept.keys().cloned().collect()
    }

    /// Forgets an id once its row is gone.
    pub fn remove(&self, id_hash: &SessionHash) {
        let mut kept = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        kept.remove(id_hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_refused_until_its_session_would_have_expired() {
        let ended = EndedSessions::default();
        let id = SessionHash::of("a");
        assert!(ended.insert(id.clone(), 100, 10));
        assert!(ended.contains(&id, 99));
        assert!(!ended.contains(&id, 100), "expired anyway");
        assert!(ended.pending(100).is_empty());
        assert!(ended.insert(id.clone(), 200, 100));
        ended.remove(&id);
        assert!(!ended.contains(&id, 101));
    }

    #[test]
    fn the_store_is_bounded() {
        let ended = EndedSessions::default();
        for n in 0..MAX_KEPT {
            assert!(ended.insert(SessionHash::of(&n.to_string()), 100, 0));
        }
        assert!(!ended.insert(SessionHash::of("one more"), 100, 0));
        assert!(
            ended.insert(SessionHash::of("one more"), 100, 100),
            "after expiry"
        );
    }
}
