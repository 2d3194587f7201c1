//! The public home page, the beranda and logout.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::{CurrentSession, Empty, SecureForm, SessionCookie};
use super::login::kind_label;
use super::page::{Chrome, redirect_with_session, render};
use spse_domain::session::{Stage, Timeouts};
use spse_usecases::{Client, SignedIn};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    ended: Option<String>,
}

/// `?ended=logout` after LOGOUT, `?ended=session` after a session ended unused or elsewhere: the page
/// then says why the user is signed out.
#[derive(Deserialize, Default)]
pub struct Ended {
    ended: Option<String>,
}

impl Ended {
    /// What the login page says; the limits come from the settings.
    pub fn message(&self, t: spse_i18n::Texts, timeouts: &Timeouts) -> Option<String> {
        let minutes = (timeouts.idle_secs / 60).to_string();
        let hours = (timeouts.absolute_secs / 3600).to_string();
        Some(match self.ended.as_deref()? {
            "logout" => t.get("ended_logout").to_string(),
            "session" => t.get("ended_session").to_string(),
            "idle" => t.fill("ended_idle", &[("minutes", &minutes)]),
            "limit" => t.fill("ended_limit", &[("hours", &hours)]),
            "attempt" => t.get("ended_attempt").to_string(),
            "elsewhere" => t.get("ended_elsewhere").to_string(),
            _ => return None,
        })
    }
}

pub async fn home(
    State(state): State<AppState>,
    context: Context,
    Query(ended): Query<Ended>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let signed_in = session.is_some_and(|s| s.stage() == Stage::Full);
    render(
        StatusCode::OK,
        &HomePage {
            c: Chrome::new(&state, &context, signed_in),
            ended: ended.message(context.t(), &state.auth.policy().timeouts),
        },
    )
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage {
    c: Chrome,
}

/// The helpdesk's contact and the guide's answers for a lost phone, a lock and a
/// forgotten password; linked from every page's footer.
pub async fn help(
    State(state): State<AppState>,
    context: Context,
    CurrentSession(session): CurrentSession,
) -> Result<Response, WebError> {
    let signed_in = session.is_some_and(|s| s.stage() == Stage::Full);
    render(
        StatusCode::OK,
        &HelpPage {
            c: Chrome::new(&state, &context, signed_in),
        },
    )
}

#[derive(Template)]
#[template(path = "beranda.html")]
struct BerandaPage {
    c: Chrome,
    welcome: String,
    user_id: String,
    kind_label: &'static str,
    totp_status: &'static str,
    /// The modules with a home URL: (name, URL).
    modules: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "oidc_continue.html")]
struct ContinuePage {
    c: Chrome,
    location: String,
}

pub async fn beranda(
    State(state): State<AppState>,
    context: Context,
    headers: HeaderMap,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    // A login made for a module's authorization request goes back to it. A page, not a
    // redirect: a new navigation, so the login form's `form-action 'self'` does not
    // stand between the browser and the module's redirect URI.
    if let Some(location) = super::oidc::resume_location(&state, &headers) {
        return render(
            StatusCode::OK,
            &ContinuePage {
                c: Chrome::new(&state, &context, true),
                location,
            },
        );
    }
    let modules = state.auth.modules().await?;
    let user = signed_in.account();
    let t = context.t();
    let page = BerandaPage {
        c: Chrome::new(&state, &context, true),
        welcome: t.fill("welcome", &[("name", &user.name)]),
        user_id: user.user_id,
        kind_label: kind_label(t, user.kind),
        totp_status: if user.totp_active {
            t.get("totp_status_active")
        } else {
            t.get("totp_status_inactive")
        },
        modules,
    };
    render(StatusCode::OK, &page)
}

/// Always clears the cookie, also when the database refuses to delete the session (the
/// use case then keeps refusing it).
pub async fn logout(
    State(state): State<AppState>,
    client: Client,
    SessionCookie(token): SessionCookie,
    SecureForm(_): SecureForm<Empty>,
) -> Response {
    if let Some(token) = token {
        state.auth.logout(&token, &client).await;
    }
    redirect_with_session(&state, "/?ended=logout", None)
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home))
        .route("/beranda", get(beranda))
        .route("/bantuan", get(help))
        .route("/logout", post(logout))
}
