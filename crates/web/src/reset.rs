//! Reset TOTP by email (guide D): the request form, its answer, and the emailed link.
//! Every page here is sent with `Referrer-Policy: no-referrer`, so the code in the link
//! never leaks to another site.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{REFERRER_POLICY, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::SecureForm;
use super::page::{Chrome, render, render_notice, ticket_cookie};
use super::refusal::Refusal;
use spse_domain::token;
use spse_domain::user::{USER_ID_MAX, UserKind};
use spse_i18n::Texts;
use spse_usecases::{ActivationTicket, Client, ResetLink, ResetRequest, TicketLink};

/// Longest email address accepted (RFC 5321).
const EMAIL_MAX: usize = 254;

/// The two forms that mail a link to the address on file: Reset TOTP and Lupa Password.
/// Same fields, captcha, proof of work and limits; their own words and use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetForm {
    Totp,
    Password,
}

impl ResetForm {
    fn action(self) -> &'static str {
        match self {
            Self::Totp => "/reset-totp",
            Self::Password => "/lupa-password",
        }
    }

    /// The page's title and its introduction.
    fn words(self, t: Texts) -> (&'static str, &'static str) {
        match self {
            Self::Totp => (t.get("reset_title"), t.get("reset_intro")),
            Self::Password => (t.get("forgot_title"), t.get("forgot_intro")),
        }
    }

    fn sent(self, t: Texts, email: &str) -> String {
        match self {
            Self::Totp => t.fill("reset_sent", &[("email", email)]),
            Self::Password => t.fill("forgot_sent", &[("email", email)]),
        }
    }
}

#[derive(Template)]
#[template(path = "reset_request.html")]
struct RequestPage {
    c: Chrome,
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    captcha: bool,
    captcha_id: String,
    user_id: String,
    email: String,
    penyedia: bool,
    error: Option<String>,
}

/// What was typed, to fill the form again.
struct Typed<'a> {
    user_id: &'a str,
    email: &'a str,
    kind: Option<UserKind>,
}

fn request_page(
    state: &AppState,
    context: &Context,
    form: ResetForm,
    typed: Typed<'_>,
    error: Option<String>,
) -> RequestPage {
    let Typed {
        user_id,
        email,
        kind,
    } = typed;
    let (title, intro) = form.words(context.t());
    RequestPage {
        c: Chrome::new(state, context, false),
        title,
        intro,
        action: form.action(),
        captcha: state.auth.policy().captcha,
        captcha_id: token::random_hex(16),
        user_id: user_id.to_string(),
        email: email.to_string(),
        penyedia: kind == Some(UserKind::Penyedia),
        error,
    }
}

/// What the pages that link here already know: `?kind=penyedia&user_id=...` (the
/// acceptor page knows both, the user ID step the kind and, with JavaScript, the ID
/// typed). Only a prefill: the post checks everything again.
#[derive(Deserialize)]
pub struct RequestQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

pub async fn request_form(
    state: State<AppState>,
    context: Context,
    query: Query<RequestQuery>,
) -> Result<Response, WebError> {
    show_form(state, context, query, ResetForm::Totp).await
}

/// The empty form of either kind, with what the linking page knew.
pub async fn show_form(
    State(state): State<AppState>,
    context: Context,
    Query(query): Query<RequestQuery>,
    form: ResetForm,
) -> Result<Response, WebError> {
    let kind = query.kind.as_deref().and_then(UserKind::parse);
    let user_id = query
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|id| id.len() <= USER_ID_MAX)
        .unwrap_or_default();
    let typed = Typed {
        user_id,
        email: "",
        kind,
    };
    render(
        StatusCode::OK,
        &request_page(&state, &context, form, typed, None),
    )
}

#[derive(Deserialize)]
pub struct RequestForm {
    user_id: String,
    email: String,
    kind: String,
    #[serde(default)]
    captcha: String,
    #[serde(default)]
    captcha_id: String,
    /// The proof of work `pow.js` computed instead of the captcha (ALTCHA payload).
    #[serde(default)]
    altcha: String,
    /// "Gambar lain" without JavaScript: the same form back with a new captcha.
    #[serde(default)]
    redraw: String,
}

#[derive(Template)]
#[template(path = "reset_sent.html")]
struct SentPage {
    c: Chrome,
    title: &'static str,
    sent_to: String,
}

pub async fn request_submit(
    state: State<AppState>,
    context: Context,
    client: Client,
    form: SecureForm<RequestForm>,
) -> Result<Response, WebError> {
    submit_form(state, context, client, form, ResetForm::Totp).await
}

/// A filled form of either kind: the same checks, the same answer whether or not
/// anything matched.
pub async fn submit_form(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    SecureForm(form): SecureForm<RequestForm>,
    which: ResetForm,
) -> Result<Response, WebError> {
    if form.user_id.len() > USER_ID_MAX
        || form.email.len() > EMAIL_MAX
        || form.captcha.len() > 16
        || form.captcha_id.len() > 32
        || form.altcha.len() > spse_usecases::pow::PAYLOAD_MAX
    {
        return Err(WebError::TooLarge);
    }
    if !form.redraw.is_empty() {
        // The typed fields back, a new picture; no request is made and nothing counted.
        let typed = Typed {
            user_id: &form.user_id,
            email: &form.email,
            kind: UserKind::parse(&form.kind),
        };
        return render(
            StatusCode::OK,
            &request_page(&state, &context, which, typed, None),
        );
    }
    let kind = UserKind::parse(&form.kind).ok_or(WebError::BadRequest)?;
    let request = ResetRequest {
        user_id: form.user_id.clone(),
        email: form.email.clone(),
        kind,
        captcha_id: form.captcha_id,
        captcha_answer: form.captcha.into(),
        pow: form.altcha,
    };
    let t = context.t();
    let outcome = match which {
        ResetForm::Totp => state.auth.request_reset(&request, t, &client).await,
        ResetForm::Password => state.auth.request_password_reset(&request, &client).await,
    };
    match outcome {
        Ok(()) => render(
            StatusCode::OK,
            &SentPage {
                c: Chrome::new(&state, &context, false),
                title: which.words(t).0,
                sent_to: which.sent(t, form.email.trim()),
            },
        ),
        Err(e) => {
            let refusal = Refusal::of(e, t, &state.web.zone)?;
            let typed = Typed {
                user_id: &form.user_id,
                email: &form.email,
                kind: Some(kind),
            };
            render(
                refusal.status,
                &request_page(&state, &context, which, typed, Some(refusal.message)),
            )
        }
    }
}

/// The link's parameters; a repeated one makes the query fail to parse (400).
#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    userid: String,
    #[serde(default, rename = "isRekanan")]
    is_rekanan: String,
    #[serde(default)]
    kode: String,
}

impl LinkQuery {
    fn link(self) -> ResetLink {
        ResetLink {
            user_id: self.userid,
            is_rekanan: self.is_rekanan,
            code: self.kode.into(),
        }
    }
}

#[derive(Template)]
#[template(path = "reset_link.html")]
struct LinkPage {
    c: Chrome,
    user_id: String,
    is_rekanan: String,
    kode: String,
    confirming: bool,
}

/// The emailed link: shows the "Reset TOTP" page. Changes nothing.
pub async fn link_page(
    State(state): State<AppState>,
    context: Context,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    let link = query.link();
    let user = state.auth.reset_link_user(&link).await?;
    render(
        StatusCode::OK,
        &LinkPage {
            c: Chrome::new(&state, &context, false),
            user_id: user.user_id,
            is_rekanan: link.is_rekanan,
            kode: link.code.into_exposed(),
            confirming: false,
        },
    )
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    userid: String,
    #[serde(default, rename = "isRekanan")]
    is_rekanan: String,
    #[serde(default)]
    kode: String,
    /// Present only on the confirmation page's OK button.
    #[serde(default)]
    confirm: String,
}

#[derive(Template)]
#[template(path = "reset_done.html")]
struct DonePage {
    c: Chrome,
    user_id: String,
}

/// First post: the confirmation step (what a JS pop-up would ask). Second post, with
/// `confirm=ok`: the reset. Neither logs anyone in.
pub async fn link_submit(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    SecureForm(form): SecureForm<LinkForm>,
) -> Result<Response, WebError> {
    let confirmed = form.confirm == "ok";
    let link = ResetLink {
        user_id: form.userid,
        is_rekanan: form.is_rekanan,
        code: form.kode.into(),
    };
    if !confirmed {
        let user = state.auth.reset_link_user(&link).await?;
        return render(
            StatusCode::OK,
            &LinkPage {
                c: Chrome::new(&state, &context, false),
                user_id: user.user_id,
                is_rekanan: link.is_rekanan,
                kode: link.code.into_exposed(),
                confirming: true,
            },
        );
    }
    let (user, ticket) = state.auth.reset_with_link(&link, &client).await?;
    let mut response = render(
        StatusCode::OK,
        &DonePage {
            c: Chrome::new(&state, &context, false),
            user_id: user.user_id,
        },
    )?;
    // This browser may activate the new phone; others need a mailed link.
    response
        .headers_mut()
        .append(SET_COOKIE, ticket_cookie(&state, &ticket));
    Ok(response)
}

#[derive(Deserialize)]
pub struct TicketQuery {
    #[serde(default)]
    userid: String,
    #[serde(default)]
    kode: String,
}

/// The mailed activation link: keeps its ticket in this browser, then on to the login.
/// Changes nothing on the server; the activation uses the ticket up.
pub async fn ticket_page(
    State(state): State<AppState>,
    context: Context,
    Query(query): Query<TicketQuery>,
) -> Result<Response, WebError> {
    let link = TicketLink {
        user_id: query.userid,
        code: query.kode.into(),
    };
    let user = state.auth.open_ticket_link(&link).await?;
    let t = context.t();
    let login = format!("/login/{}", user.kind.as_str());
    let mut response = render_notice(
        &Chrome::new(&state, &context, false),
        t.get("ticket_accepted_title"),
        &t.fill("ticket_accepted", &[("user_id", &user.user_id)]),
        &login,
        t.get("menu_login"),
    )?;
    let ticket = ActivationTicket(link.code.into_exposed());
    response
        .headers_mut()
        .append(SET_COOKIE, ticket_cookie(&state, &ticket));
    Ok(response)
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/reset-totp", get(request_form).post(request_submit))
        .route("/user/resettotp", get(link_page).post(link_submit))
        .route("/totp/aktivasi/tiket", get(ticket_page))
        .layer(SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}
