//! Server-sent events for pages that wait on the authenticator. A waiting page holds
//! one broadcast receiver and a timer: no thread and no database connection.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::broadcast::{self, error::RecvError};

use super::AppState;
use super::error::WebError;
use super::form::CurrentSession;
use super::streams::StreamPass;
use spse_domain::session::Stage;
use spse_usecases::{AcceptorState, Client, Notice, Session};

/// The longest a page waits on one connection; it reconnects (and re-checks) after.
const MAX_WAIT_SECS: i64 = 900;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/totp/acceptor/events", get(acceptor_events))
        .route("/totp/aktivasi/events", get(activation_events))
}

/// Only a login attempt that passed the password step and really waits (a pending
/// approval or activation) holds a stream; one that waits on nothing more gets its
/// `done` at once, and a page without such a session is refused.
async fn acceptor_events(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let session = half_open(session)?;
    // Subscribe before looking, so a decision between the two is not missed.
    let notices = state.auth.subscribe();
    let wait = match state.auth.acceptor_state(&session).await? {
        AcceptorState::Waiting { expires_at, .. } => expires_at - state.auth.now(),
        _ => 0,
    };
    stream(&state, &client, &session, notices, wait)
}

async fn activation_events(
    State(state): State<AppState>,
    client: Client,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let session = half_open(session)?;
    let notices = state.auth.subscribe();
    let wait = if state.auth.activation_done(&session).await? {
        0
    } else {
        session.expires_at() - state.auth.now()
    };
    stream(&state, &client, &session, notices, wait)
}

fn half_open(session: Option<Session>) -> Result<Session, WebError> {
    session
        .filter(|s| s.stage() == Stage::PasswordOk)
        .ok_or(WebError::SessionExpired)
}

/// The stream, if this session and this address have a place left for it.
fn stream(
    state: &AppState,
    client: &Client,
    session: &Session,
    notices: broadcast::Receiver<Notice>,
    wait: i64,
) -> Result<Response, WebError> {
    let pass = if wait > 0 {
        let pass = state.streams.enter(session.wait_key(), &client.ip);
        Some(pass.ok_or(WebError::TooManyStreams)?)
    } else {
        None
    };
    Ok(wait_then_tell(
        notices,
        session.wait_key().to_string(),
        wait,
        pass,
    ))
}

/// One `done` event when this login attempt changes, the wait ends, or notices were
/// missed (the page then reloads and the server decides what it shows).
fn wait_then_tell(
    mut notices: broadcast::Receiver<Notice>,
    session_hash: String,
    seconds: i64,
    pass: Option<StreamPass>,
) -> Response {
    let seconds = seconds.clamp(0, MAX_WAIT_SECS) as u64;
    let done = async move {
        let deadline = tokio::time::sleep(Duration::from_secs(seconds));
        tokio::pin!(deadline);
        // Held until the stream ends, also when the page goes away first.
        let _pass = pass;
        let mut waiting = seconds > 0;
        while waiting {
            tokio::select! {
                notice = notices.recv() => match notice {
                    Ok(notice) => waiting = !notice.concerns(&session_hash),
                    Err(RecvError::Lagged(_) | RecvError::Closed) => waiting = false,
                },
                () = &mut deadline => waiting = false,
            }
        }
        Ok::<_, Infallible>(Event::default().event("done").data("reload"))
    };
    Sse::new(futures_util::stream::once(done))
        .keep_alive(KeepAlive::default())
        .into_response()
}
