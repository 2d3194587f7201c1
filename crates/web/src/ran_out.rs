//! The page a waiting step shows when its login attempt ran out (WCAG 2.2.1): which
//! account, what to do, and one button back to the login with the user ID filled in.

use axum::response::Response;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::page::{Chrome, render_notice};
use spse_usecases::EndedWhy;

/// The step that was waiting: its own words for what ran out.
#[derive(Clone, Copy)]
pub enum Waited {
    Activation,
    Acceptor,
}

/// The ran-out page for the cookie `token`, or "session expired" when it named no
/// login attempt that ran out.
pub async fn ran_out(
    state: &AppState,
    context: &Context,
    token: &str,
    waited: Waited,
) -> Result<Response, WebError> {
    let EndedWhy::Attempt { kind, user_id } = state.auth.why_ended(token).await? else {
        return Err(WebError::SessionExpired);
    };
    let t = context.t();
    let key = match waited {
        Waited::Activation => "ran_out_activation",
        Waited::Acceptor => "ran_out_acceptor",
    };
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("user_id", &user_id);
    let link = format!("/login/{}?{}", kind.as_str(), query.finish());
    render_notice(
        &Chrome::new(state, context, false),
        t.get("ran_out_title"),
        &t.fill(key, &[("user", &user_id)]),
        &link,
        t.get("button_login_again"),
    )
}
