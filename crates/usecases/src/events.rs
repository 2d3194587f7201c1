//! Writing the access log.

use super::{Auth, AuthError, Client};
use spse_domain::event::EventKind;
use spse_store::{EventRecord, Factor, UserRecord};

/// Whom an access-log entry is about.
#[derive(Clone, Copy)]
pub(crate) enum Subject<'a> {
    /// A known account.
    Account(&'a UserRecord),
    /// A user ID as typed, that matched no account.
    Typed(&'a str),
    /// An account that is gone.
    Nobody,
}

/// A failed attempt at a counted factor.
pub(crate) struct Failure<'a> {
    pub event: EventKind,
    pub detail: &'a str,
    /// `Some(seconds)` when this was the last attempt allowed: the lock it started.
    pub locked_for: Option<i64>,
}

impl Auth {
    /// Logs a failed attempt, and then the lock it started, if it did.
    pub(super) async fn log_failure(
        &self,
        factor: Factor,
        user: &UserRecord,
        client: &Client,
        failure: Failure<'_>,
    ) -> Result<(), AuthError> {
        self.log_event(
            failure.event,
            Subject::Account(user),
            client,
            failure.detail,
        )
        .await?;
        if let Some(secs) = failure.locked_for {
            let lock = match factor {
                Factor::Password => EventKind::PasswordLocked,
                Factor::Totp => EventKind::CodeLocked,
            };
            let detail = format!("locked for {} minutes", secs / 60);
            self.log_event(lock, Subject::Account(user), client, &detail)
                .await?;
            // Once per lock: this was the attempt that started it.
            let mail = spse_mail::texts::lock_started(
                &user.email,
                user.user_id.as_str(),
                factor == Factor::Totp,
                secs / 60,
            );
            self.send_later(mail).await?;
        }
        Ok(())
    }

    pub(super) async fn log_event(
        &self,
        kind: EventKind,
        subject: Subject<'_>,
        client: &Client,
        detail: &str,
    ) -> Result<(), AuthError> {
        let event = self.event_record(kind, subject, client, detail);
        self.store.insert_event(&event).await?;
        self.event_logged(&event);
        Ok(())
    }

    /// An entry for [`Auth::log_event`], or for a store call that appends it in the same
    /// transaction as its other writes; then [`Auth::event_logged`].
    pub(super) fn event_record(
        &self,
        kind: EventKind,
        subject: Subject<'_>,
        client: &Client,
        detail: &str,
    ) -> EventRecord {
        let (user_pk, user_id) = match subject {
            Subject::Account(user) => (Some(user.pk), user.user_id.to_string()),
            Subject::Typed(typed) => (None, typed.to_string()),
            Subject::Nobody => (None, String::new()),
        };
        let event = EventRecord {
            at: self.now(),
            user_pk,
            user_id,
            event: kind.into(),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            detail: detail.to_string(),
        };
        tracing::info!(event = event.event.as_str(), user_id = %event.user_id, ip = %event.ip, detail, "access");
        event
    }

    /// Counts an entry that was written.
    pub(super) fn event_logged(&self, event: &EventRecord) {
        self.metrics.event(event.event.as_str());
    }
}
