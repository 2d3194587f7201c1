//! Lupa Password (the form, shared with Reset TOTP) and the page of a mailed
//! set-password link. Sent with `Referrer-Policy: no-referrer`, so the code in the link
//! never leaks to another site.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::REFERRER_POLICY;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use super::context::Context;
use super::error::WebError;
use super::form::SecureForm;
use super::page::{Chrome, render, render_notice};
use super::refusal::Refusal;
use super::reset::{RequestForm, RequestQuery, ResetForm, show_form, submit_form};
use spse_usecases::{Client, NewPasswordForm, PasswordLink, PasswordLinkView};

pub async fn forgot_form(
    state: State<AppState>,
    context: Context,
    query: Query<RequestQuery>,
) -> Result<Response, WebError> {
    show_form(state, context, query, ResetForm::Password).await
}

pub async fn forgot_submit(
    state: State<AppState>,
    context: Context,
    client: Client,
    form: SecureForm<RequestForm>,
) -> Result<Response, WebError> {
    submit_form(state, context, client, form, ResetForm::Password).await
}

/// The link's parameters; a repeated one makes the query fail to parse (400).
#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    userid: String,
    #[serde(default)]
    kode: String,
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    c: Chrome,
    intro: String,
    user_id: String,
    kode: String,
    totp_active: bool,
    error: Option<String>,
}

fn page(
    state: &AppState,
    context: &Context,
    view: PasswordLinkView,
    kode: String,
    error: Option<String>,
) -> SetPasswordPage {
    let intro = context
        .t()
        .fill("set_password_intro", &[("user_id", &view.user_id)]);
    SetPasswordPage {
        c: Chrome::new(state, context, false),
        intro,
        user_id: view.user_id,
        kode,
        totp_active: view.totp_active,
        error,
    }
}

/// The mailed link: the new-password form. Changes nothing.
pub async fn link_page(
    State(state): State<AppState>,
    context: Context,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    let link = PasswordLink {
        user_id: query.userid,
        code: query.kode.into(),
    };
    let view = state.auth.password_link_view(&link).await?;
    render(
        StatusCode::OK,
        &page(&state, &context, view, link.code.into_exposed(), None),
    )
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    userid: String,
    #[serde(default)]
    kode: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
    #[serde(default)]
    code: String,
}

/// The new password (and, where TOTP is active, a current code). Never logs anyone in.
pub async fn link_submit(
    State(state): State<AppState>,
    context: Context,
    client: Client,
    SecureForm(form): SecureForm<LinkForm>,
) -> Result<Response, WebError> {
    let link = PasswordLink {
        user_id: form.userid,
        code: form.kode.into(),
    };
    let typed = NewPasswordForm {
        new_password: form.new_password.into(),
        confirm_password: form.confirm_password.into(),
        code: form.code,
    };
    let t = context.t();
    match state
        .auth
        .set_password_with_link(&link, &typed, &client)
        .await
    {
        Ok(account) => render_notice(
            &Chrome::new(&state, &context, false),
            t.get("set_password_done_title"),
            &t.fill("set_password_done", &[("user_id", &account.user_id)]),
            &format!("/login/{}", account.kind.as_str()),
            t.get("link_login"),
        ),
        Err(e) => {
            let refusal = Refusal::of_password_change(e, t, &state.web.zone)?;
            // The link may have been used meanwhile: then its own page says so.
            let view = state.auth.password_link_view(&link).await?;
            render(
                refusal.status,
                &page(
                    &state,
                    &context,
                    view,
                    link.code.into_exposed(),
                    Some(refusal.message),
                ),
            )
        }
    }
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/lupa-password", get(forgot_form).post(forgot_submit))
        .route("/user/setpassword", get(link_page).post(link_submit))
        .layer(SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}
