//! How many failures in a row lock an account, and for how long.

/// Lock after `max_failures` consecutive failures; each further lock in a row lasts
/// twice as long as the one before, up to a day. Attempts while locked are not counted,
/// so they cannot stretch a lock out forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: i64,
    pub base_lock_secs: i64,
}

/// The longest a single lock lasts.
pub const MAX_LOCK_SECS: i64 = 24 * 3600;

impl LockoutPolicy {
    pub fn new(max_failures: i64, base_lock_secs: i64) -> Self {
        Self {
            max_failures,
            base_lock_secs,
        }
    }

    /// Length of the lock that starts after `previous_locks` earlier locks in a row.
    pub fn lock_secs(&self, previous_locks: i64) -> i64 {
        let factor = 1i64 << previous_locks.clamp(0, 16);
        self.base_lock_secs
            .saturating_mul(factor)
            .min(MAX_LOCK_SECS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_and_are_capped() {
        let policy = LockoutPolicy::new(10, 900);
        assert_eq!(policy.lock_secs(0), 900);
        assert_eq!(policy.lock_secs(1), 1800);
        assert_eq!(policy.lock_secs(2), 3600);
        assert_eq!(policy.lock_secs(40), MAX_LOCK_SECS);
    }
}
