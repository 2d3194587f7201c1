//! Notices across instances: `NOTIFY spse_login, '<session hash>'` on PostgreSQL, and a
//! listener that hands each one to the local waiting pages.

use spse_domain::secret::SessionHash;
use std::time::Duration;

use sqlx::postgres::PgListener;

use super::SqlStore;
use crate::StoreError;

const CHANNEL: &str = "spse_login";

impl SqlStore {
    pub(super) async fn notify_instances(
        &self,
        session_hash: &SessionHash,
    ) -> Result<(), StoreError> {
        if self.postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(session_hash.as_str())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

/// Listens for notices from every instance until the process ends, reconnecting after a
/// lost connection; does nothing for SQLite. `deliver` gets each session hash.
pub async fn listen_for_notices(url: String, deliver: impl Fn(String) + Send + 'static) {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return;
    }
    let mut backoff = Duration::from_millis(200);
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(200);
                    tracing::info!("listening for login notices from other instances");
                    loop {
                        match listener.recv().await {
                            Ok(notification) => deliver(notification.payload().to_string()),
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
