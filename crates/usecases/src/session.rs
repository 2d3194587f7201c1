//! Sessions: random ids of 256 bits, only their SHA-256 stored, a new id at each step up.

use super::{Auth, AuthError, Client, Session, Subject};
use spse_domain::event::EventKind;
use spse_domain::secret::SessionHash;
use spse_domain::session::Stage;
use spse_domain::token;
use spse_domain::user::UserKind;
use spse_store::{SessionRecord, SessionWithUser};

/// The raw session id, as it travels in the cookie and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String, pub Option<TrustedBrowser>);

/// The raw value of a trusted-browser cookie, made when a login completes in a browser
/// not yet trusted for the account.
#[derive(Clone, PartialEq, Eq)]
pub struct TrustedBrowser(pub String);

impl std::fmt::Debug for TrustedBrowser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustedBrowser(..)")
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

impl Auth {
    fn new_record(
        &self,
        user_pk: Option<i64>,
        claimed_user_id: &str,
        kind: UserKind,
        stage: Stage,
        client: &Client,
    ) -> (SessionToken, SessionRecord) {
        let now = self.now();
        let token = SessionToken(token::random_hex(32), None);
        let record = SessionRecord {
            id_hash: SessionHash::of(&token.0),
            user_pk,
            claimed_user_id: claimed_user_id.to_string(),
            kind,
            stage,
            created_at: now,
            last_seen_at: now,
            expires_at: self.policy.timeouts.expires_at(stage, now),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            amr: if stage == Stage::Full {
                spse_domain::session::AMR_PASSWORD.to_string()
            } else {
                String::new()
            },
        };
        (token, record)
    }

    /// Stores the first row of a login, made by the password step: in place of the
    /// user ID step's claim, which has no row, or of a half-finished session an older
    /// version stored (destroyed, as at every step).
    pub(super) async fn commit_first_step(
        &self,
        from: &Session,
        new: &SessionRecord,
    ) -> Result<(), AuthError> {
        if from.is_stored() {
            return self.commit_step(from.record(), new).await;
        }
        self.store.insert_session(new).await?;
        Ok(())
    }

    /// The session one step further than `old`, not stored yet: callers that must bind
    /// something to the new id (an activation, an approval) learn it first.
    pub(super) fn prepare_step(
        &self,
        old: &SessionRecord,
        user_pk: i64,
        stage: Stage,
        client: &Client,
    ) -> (SessionToken, SessionRecord) {
        self.new_record(Some(user_pk), &old.claimed_user_id, old.kind, stage, client)
    }

    /// Destroys `old` and stores `new` in its place.
    pub(super) async fn commit_step(
        &self,
        old: &SessionRecord,
        new: &SessionRecord,
    ) -> Result<(), AuthError> {
        if !self.store.replace_session(&old.id_hash, new).await? {
            return Err(AuthError::WrongStep);
        }
        Ok(())
    }

    /// Replaces `old` by a session one step further, under a new id; a full session
    /// records `amr`, how the login was proven.
    pub(super) async fn step_up(
        &self,
        old: &SessionRecord,
        user_pk: i64,
        stage: Stage,
        client: &Client,
        amr: &str,
    ) -> Result<SessionToken, AuthError> {
        let (token, mut record) = self.prepare_step(old, user_pk, stage, client);
        if stage == Stage::Full {
            record.amr = amr.to_string();
        }
        self.commit_step(old, &record).await?;
        Ok(token)
    }

    /// The live session behind a cookie value, if any. A timed-out one stays for the
    /// sweeper, so that the next page can say why it ended (see `why_ended.rs`).
    pub(crate) async fn live_session(
        &self,
        token: &str,
    ) -> Result<Option<SessionWithUser>, AuthError> {
        if token.len() != 64 {
            return Ok(None);
        }
        let id_hash = SessionHash::of(token);
        let now = self.now();
        if self.ended.contains(&id_hash, now) {
            return Ok(None);
        }
        let Some(read) = self.store.session_with_user(&id_hash).await? else {
            return Ok(None);
        };
        let record = &read.session;
        if !self
            .policy
            .timeouts
            .is_live(record.last_seen_at, record.expires_at, now)
        {
            return Ok(None);
        }
        // Writing on every request would cost a write per page; a minute is precise enough.
        if now - record.last_seen_at >= 60 {
            self.store.touch_session(&id_hash, now).await?;
        }
        Ok(Some(read))
    }

    /// Ends the session behind a cookie value, for a logout, which never fails: the
    /// caller clears the cookie whatever happens here. Where the database will not
    /// delete the row (a full disk), the id is refused from now on, on this instance and,
    /// through the database's notices, on the others, and deleted once writes work.
    pub async fn logout(&self, token: &str, client: &Client) {
        if token.len() != 64 {
            return;
        }
        let id_hash = SessionHash::of(token);
        let now = self.now();
        let record = match self.store.session(&id_hash).await {
            // Nothing to end: no id is kept for a cookie that names no session.
            Ok(None) => return,
            Ok(Some(record)) => Some(record),
            Err(e) => {
                tracing::warn!(error = %e, "logout: the session could not be read");
                None
            }
        };
        if let Err(e) = self.store.delete_session(&id_hash).await {
            let until = record
                .as_ref()
                .map_or(now + self.policy.timeouts.absolute_secs, |r| r.expires_at);
            if self.ended.insert(id_hash.clone(), until, now) {
                tracing::warn!(error = %e, "logout: the database kept the session; it is refused until deleted");
            } else {
                tracing::error!(error = %e, "logout: the database kept the session, and too many are waiting to be deleted");
            }
            if let Err(e) = self.store.publish_session_end(&id_hash).await {
                tracing::warn!(error = %e, "logout: other instances not told");
            }
            return;
        }
        self.sessions_ended();
        let Some(record) = record else {
            return;
        };
        let live = self
            .policy
            .timeouts
            .is_live(record.last_seen_at, record.expires_at, now);
        if let Some(pk) = record.user_pk
            && record.stage == Stage::Full
            && live
        {
            let subject = match self.store.user_by_pk(pk).await {
                Ok(user) => user,
                Err(e) => {
                    tracing::warn!(error = %e, "logout: account not read for the access log");
                    None
                }
            };
            let subject = subject.as_ref().map_or(Subject::Nobody, Subject::Account);
            if let Err(e) = self.log_event(EventKind::Logout, subject, client, "").await {
                tracing::warn!(error = %e, "logout: not written to the access log");
            }
        }
    }

    /// A session another instance ended while the database kept its row.
    pub fn session_ended_elsewhere(&self, id_hash: &str) {
        if id_hash.len() != 64 {
            return;
        }
        let now = self.now();
        let until = now + self.policy.timeouts.absolute_secs;
        self.ended
            .insert(SessionHash::from_stored(id_hash.to_string()), until, now);
    }

    /// Deletes the rows of sessions ended while the database refused it; run now and
    /// then. How many are still waiting.
    pub async fn delete_ended_sessions(&self) -> usize {
        let pending = self.ended.pending(self.now());
        let mut waiting = 0;
        for id_hash in pending {
            match self.store.delete_session(&id_hash).await {
                Ok(()) => self.ended.remove(&id_hash),
                Err(_) => waiting += 1,
            }
        }
        waiting
    }

    /// Removes expired captchas and reset codes, and requests past the limit window.
    pub async fn sweep_resets(&self) -> Result<u64, AuthError> {
        let now = self.now();
        Ok(self
            .store
            .delete_stale_resets(now, now - spse_domain::reset::LIMIT_WINDOW_SECS)
            .await?)
    }

    /// Removes sessions past their limits and spent request nonces; run now and then.
    pub async fn sweep_sessions(&self) -> Result<u64, AuthError> {
        let now = self.now();
        self.store.delete_expired_nonces(now).await?;
        Ok(self
            .store
            .delete_stale_sessions(
                now - crate::why_ended::ENDED_NOTICE_SECS,
                self.policy.timeouts.idle_secs,
            )
            .await?)
    }
}
