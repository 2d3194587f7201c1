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
use spse_usecases::{AcceptorState, AuthError, Notice};

/// The longest a page waits on one connection; it reconnects (and re-checks) after.
const MAX_WAIT_SECS: i64 = 900;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/totp/acceptor/events", get(acceptor_events))
        .route("/totp/aktivasi/events", get(activation_events))
}

async fn acceptor_events(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let session = session.ok_or(WebError::SessionExpired)?;
    // Subscribe before looking, so a decision between the two is not missed.
    let notices = state.auth.subscribe();
    let wait = match state.auth.acceptor_state(&session).await {
        Ok(AcceptorState::Waiting { expires_at, .. }) => expires_at - state.auth.now(),
        Ok(_) | Err(AuthError::WrongStep) => 0,
        Err(e) => return Err(e.into()),
    };
    Ok(wait_then_tell(
        notices,
        session.wait_key().to_string(),
        wait,
    ))
}

async fn activation_events(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let session = session.ok_or(WebError::SessionExpired)?;
    let notices = state.auth.subscribe();
    let wait = match state.auth.activation_done(&session).await {
        Ok(false) => session.expires_at() - state.auth.now(),
        Ok(true) | Err(AuthError::WrongStep) => 0,
        Err(e) => return Err(e.into()),
    };
    Ok(wait_then_tell(
        notices,
        session.wait_key().to_string(),
        wait,
    ))
}

/// One `done` event when this login attempt changes, the wait ends, or notices were
/// missed (the page then reloads and the server decides what it shows).
fn wait_then_tell(
    mut notices: broadcast::Receiver<Notice>,
    session_hash: String,
    seconds: i64,
) -> Response {
    let seconds = seconds.clamp(0, MAX_WAIT_SECS) as u64;
    let done = async move {
        let deadline = tokio::time::sleep(Duration::from_secs(seconds));
        tokio::pin!(deadline);
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
