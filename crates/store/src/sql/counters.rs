//! Failure counters: an account's password and code steps, a trusted browser's password
//! and code steps, a device's approval number. One rule for all: each attempt is counted before it
//! is checked, in one atomic UPDATE that also sets the lock at the limit, so parallel
//! attempts cannot slip past it; attempts during a lock are neither counted nor checked.

use spse_domain::lockout::LockoutPolicy;

use super::{SqlStore, db};
use crate::{Factor, Reservation, StoreError};

/// Where one counter lives: `{prefix}_failures`, `{prefix}_locked_until` and
/// `{prefix}_lock_count` in `table`, on the row whose `key` column matches.
#[derive(Clone, Copy)]
pub(super) struct Counter {
    pub table: &'static str,
    pub key: &'static str,
    pub prefix: &'static str,
}

/// The column prefix of a factor's counter, on `users` and on `trusted_browsers` alike.
pub(super) fn factor_prefix(factor: Factor) -> &'static str {
    match factor {
        Factor::Password => "password",
        Factor::Totp => "totp",
    }
}

/// The row a counter is on: an id, or a text key (a hash).
pub(super) enum RowKey<'a> {
    Id(i64),
    Text(&'a str),
}

impl SqlStore {
    /// Counts one attempt on `counter` for the row `key`, unless it is locked at `now`.
    pub(super) async fn reserve(
        &self,
        counter: Counter,
        key: RowKey<'_>,
        now: i64,
        policy: &LockoutPolicy,
        lock_secs: i64,
    ) -> Result<Reservation, StoreError> {
        let Counter {
            table,
            key: column,
            prefix,
        } = counter;
        let (failures, until, count) = (
            format!("{prefix}_failures"),
            format!("{prefix}_locked_until"),
            format!("{prefix}_lock_count"),
        );
        let sql = format!(
            "UPDATE {table} SET \
               {failures} = CASE WHEN {failures} + 1 >= $3 THEN 0 ELSE {failures} + 1 END, \
               {until} = CASE WHEN {failures} + 1 >= $3 THEN $2 + $4 ELSE {until} END, \
               {count} = CASE WHEN {failures} + 1 >= $3 THEN {count} + 1 ELSE {count} END \
             WHERE {column} = $1 AND {until} <= $2 \
             RETURNING {until}"
        );
        let query = db::query_scalar(&sql);
        let query = match key {
            RowKey::Id(id) => query.bind(id),
            RowKey::Text(text) => query.bind(text.to_string()),
        };
        let new_lock: Option<i64> = query
            .bind(now)
            .bind(policy.max_failures)
            .bind(lock_secs)
            .fetch_optional(&self.writer)
            .await?;
        Ok(match new_lock {
            None => Reservation::Locked,
            Some(until) => Reservation::Allowed {
                locks_on_failure: until > now,
            },
        })
    }
}
