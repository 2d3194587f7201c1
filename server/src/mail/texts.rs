//! The words of each notice, in Indonesian then English (the user's language is not
//! stored yet, so both are sent).

use askama::Template;

use crate::auth::Client;

#[derive(Template)]
#[template(path = "mail/totp_activated.txt")]
struct TotpActivated<'a> {
    user_id: &'a str,
    issuer: &'a str,
    ip: &'a str,
    user_agent: &'a str,
}

/// Notice that TOTP was activated, so a user who did not do it can react.
pub fn totp_activated(user_id: &str, issuer: &str, client: &Client) -> String {
    TotpActivated {
        user_id,
        issuer,
        ip: &client.ip,
        user_agent: &client.user_agent,
    }
    .render()
    .unwrap_or_else(|_| format!("TOTP diaktifkan untuk {user_id}. / TOTP activated for {user_id}."))
}

#[derive(Template)]
#[template(path = "mail/password_changed.txt")]
struct PasswordChanged<'a> {
    user_id: &'a str,
    issuer: &'a str,
    ip: &'a str,
    user_agent: &'a str,
}

/// Notice that the password changed and other sessions ended.
pub fn password_changed(user_id: &str, issuer: &str, client: &Client) -> String {
    PasswordChanged {
        user_id,
        issuer,
        ip: &client.ip,
        user_agent: &client.user_agent,
    }
    .render()
    .unwrap_or_else(|_| format!("Password {user_id} diganti. / Password of {user_id} changed."))
}

#[derive(Template)]
#[template(path = "mail/not_me.txt")]
struct NotMe<'a> {
    user_id: &'a str,
    issuer: &'a str,
    ip: &'a str,
    user_agent: &'a str,
}

/// What "bukan saya" did, so the user knows to expect the password change.
pub fn not_me(user_id: &str, issuer: &str, client: &Client) -> String {
    NotMe {
        user_id,
        issuer,
        ip: &client.ip,
        user_agent: &client.user_agent,
    }
    .render()
    .unwrap_or_else(|_| {
        format!("Login {user_id} ditandai bukan saya. / A login to {user_id} was marked not me.")
    })
}

#[derive(Template)]
#[template(path = "mail/login_refused.txt")]
struct LoginRefused<'a> {
    user_id: &'a str,
    ip: &'a str,
    user_agent: &'a str,
    not_me: bool,
}

/// Notice that a login was refused in the authenticator ("bukan saya" or a plain no).
pub fn login_refused(user_id: &str, ip: &str, user_agent: &str, not_me: bool) -> String {
    LoginRefused {
        user_id,
        ip,
        user_agent,
        not_me,
    }
    .render()
    .unwrap_or_else(|_| format!("Login {user_id} ditolak. / Login {user_id} refused."))
}
