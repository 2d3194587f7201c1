//! Writing the access log.

use super::{Auth, AuthError, Client};
use spse_domain::event::EventKind;
use spse_store::{EventRecord, UserRecord};

impl Auth {
    /// Logs an event for a known user, or for a typed user ID that matched no one.
    pub(super) async fn log_event(
        &self,
        kind: EventKind,
        user: Option<&UserRecord>,
        typed_user_id: &str,
        client: &Client,
        detail: &str,
    ) -> Result<(), AuthError> {
        let event = EventRecord {
            at: self.now(),
            user_pk: user.map(|u| u.pk),
            user_id: user.map_or_else(|| typed_user_id.to_string(), |u| u.user_id.clone()),
            event: kind.as_str().to_string(),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            detail: detail.to_string(),
        };
        tracing::info!(event = event.event, user_id = %event.user_id, ip = %event.ip, detail, "access");
        self.store.insert_event(&event).await?;
        self.metrics.event(&event.event);
        Ok(())
    }
}
