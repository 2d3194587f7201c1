//! The user's own access log and sessions, and "bukan saya" (not me).

use super::{Auth, AuthError, Client, SignedIn, Subject};
use spse_domain::event::EventKind;
use spse_domain::token;
use spse_store::{LoggedEvent, SessionRecord};

/// Entries per page of `/log-akses`.
pub const PAGE_SIZE: i64 = 20;

/// One page of the user's log.
#[derive(Debug, Clone)]
pub struct AccessLogPage {
    pub events: Vec<LoggedEvent>,
    pub has_more: bool,
}

/// A signed-in session as its owner sees it.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// Names the session in forms without revealing anything that opens it.
    pub handle: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub current: bool,
}

fn handle_of(session: &SessionRecord) -> String {
    token::hash(&format!("session handle:{}", session.id_hash.as_str()))[..24].to_string()
}

impl Auth {
    /// Page `page` (from 0) of the user's entries, newest first.
    pub async fn own_access_log(
        &self,
        signed_in: &SignedIn,
        page: i64,
    ) -> Result<AccessLogPage, AuthError> {
        let user = signed_in.user();
        let page = page.clamp(0, 100_000);
        let mut events = self
            .store
            .user_events(user.pk, page * PAGE_SIZE, PAGE_SIZE + 1)
            .await?;
        let has_more = events.len() as i64 > PAGE_SIZE;
        events.truncate(PAGE_SIZE as usize);
        Ok(AccessLogPage { events, has_more })
    }

    /// The user's live signed-in sessions, newest first.
    pub async fn user_sessions(&self, signed_in: &SignedIn) -> Result<Vec<SessionView>, AuthError> {
        let user = signed_in.user();
        let session = signed_in.record();
        let now = self.now();
        Ok(self
            .store
            .sessions_for_user(user.pk)
            .await?
            .into_iter()
            .filter(|s| {
                self.policy
                    .timeouts
                    .is_live(s.last_seen_at, s.expires_at, now)
            })
            .map(|s| SessionView {
                handle: handle_of(&s),
                current: s.id_hash == session.id_hash,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect())
    }

    /// Ends one of the user's sessions. `Ok(true)` when it was the one asking.
    pub async fn end_session(
        &self,
        signed_in: &SignedIn,
        handle: &str,
        client: &Client,
    ) -> Result<bool, AuthError> {
        let user = signed_in.user();
        let session = signed_in.record();
        let target = self
            .store
            .sessions_for_user(user.pk)
            .await?
            .into_iter()
            .find(|s| token::equal(&handle_of(s), handle))
            .ok_or(AuthError::NotFound)?;
        self.store.delete_session(&target.id_hash).await?;
        self.sessions_ended();
        let current = target.id_hash == session.id_hash;
        let detail = format!("session from {} ended", target.ip);
        self.log_event(
            EventKind::SessionsEnded,
            Subject::Account(user),
            client,
            &detail,
        )
        .await?;
        Ok(current)
    }

    /// Ends every session of the user but this one, half-open logins included.
    pub async fn end_other_sessions(
        &self,
        signed_in: &SignedIn,
        client: &Client,
    ) -> Result<u64, AuthError> {
        let user = signed_in.user();
        let session = signed_in.record();
        let ended = self
            .store
            .delete_user_sessions(user.pk, Some(&session.id_hash))
            .await?;
        self.sessions_ended();
        let detail = format!("{ended} other sessions ended");
        self.log_event(
            EventKind::SessionsEnded,
            Subject::Account(user),
            client,
            &detail,
        )
        .await?;
        Ok(ended)
    }

    /// "Bukan saya": the user does not recognise entry `event_id`. The password is
    /// presumed known, so every session ends (this one too), the next login must choose
    /// a new password before its second factor completes it, the user is mailed, and the
    /// entry is flagged for the helpdesk.
    pub async fn not_me(
        &self,
        signed_in: &SignedIn,
        event_id: i64,
        client: &Client,
    ) -> Result<(), AuthError> {
        let user = signed_in.user();
        let now = self.now();
        // Only attempts to log in can be "not me"; the page offers the button on no other.
        let kind = self.store.own_event_kind(event_id, user.pk).await?;
        if !kind
            .as_deref()
            .and_then(EventKind::parse)
            .is_some_and(EventKind::is_login_attempt)
        {
            return Err(AuthError::NotFound);
        }
        if !self.store.flag_event(event_id, user.pk, now).await? {
            return Err(AuthError::NotFound);
        }
        self.store.require_password_change(user.pk, now).await?;
        let ended = self.store.delete_user_sessions(user.pk, None).await?;
        self.sessions_ended();
        let detail = format!("entry {event_id}; {ended} sessions ended");
        self.log_event(EventKind::NotMe, Subject::Account(user), client, &detail)
            .await?;
        let mail = spse_mail::texts::not_me(
            &user.email,
            user.user_id.as_str(),
            &self.policy.issuer,
            client,
        );
        self.send_later(mail).await?;
        Ok(())
    }
}
