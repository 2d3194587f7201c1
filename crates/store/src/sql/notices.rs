//! Notices across instances on PostgreSQL: `NOTIFY spse_login, '<session hash>'` when a
//! login attempt changed, `NOTIFY spse_logout, '<session hash>'` when a session was
//! logged out but its row could not be deleted; and a listener that hands them over.

use spse_domain::secret::SessionHash;
use std::time::Duration;

use sqlx::postgres::PgListener;

use super::{SqlStore, db};
use crate::StoreError;

pub(super) const LOGIN_CHANGED: &str = "spse_login";
pub(super) const SESSION_ENDED: &str = "spse_logout";

/// A notice from another instance, with the session hash it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relayed {
    /// A login attempt changed: its waiting pages move on.
    LoginChanged(String),
    /// A session was logged out while the database kept its row: refuse it.
    SessionEnded(String),
}

impl SqlStore {
    pub(super) async fn notify_instances(
        &self,
        channel: &str,
        session_hash: &SessionHash,
    ) -> Result<(), StoreError> {
        if self.postgres {
            // Allowed in a read-only transaction: it reaches the others when the
            // database refuses every write.
            db::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(session_hash.as_str())
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }
}

/// Listens for notices from every instance until the process ends, reconnecting after a
/// lost connection; does nothing for SQLite. `deliver` gets each notice.
pub async fn listen_for_notices(url: String, deliver: impl Fn(Relayed) + Send + 'static) {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return;
    }
    let mut backoff = Duration::from_millis(200);
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen_all([LOGIN_CHANGED, SESSION_ENDED]).await {
                Ok(()) => {
                    backoff = Duration::from_millis(200);
                    tracing::info!("listening for login notices from other instances");
                    loop {
                        match listener.recv().await {
                            Ok(notification) => {
                                let hash = notification.payload().to_string();
                                deliver(if notification.channel() == SESSION_ENDED {
                                    Relayed::SessionEnded(hash)
                                } else {
                                    Relayed::LoginChanged(hash)
                                });
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "notice listener lost its connection");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
            },
            Err(e) => tracing::warn!(error = %e, "notice listener cannot connect"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}
