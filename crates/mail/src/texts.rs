//! The words of each notice, in Indonesian then English (the user's language is not
//! stored yet, so both are sent).

use askama::Template;

use spse_domain::client::Client;
use spse_i18n::{Lang, Texts};

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

#[derive(Template)]
#[template(path = "mail/reset_request.txt")]
struct ResetRequestText<'a> {
    t: Texts,
    greeting: &'a str,
    link: &'a str,
    expiry: &'a str,
}

#[derive(Template)]
#[template(path = "mail/reset_request.html")]
struct ResetRequestHtml<'a> {
    t: Texts,
    greeting: &'a str,
    link: &'a str,
    expiry: &'a str,
}

/// "Konfirmasi Permintaan Reset TOTP" in the language the request was made in: the
/// subject, the plain text, and the HTML with its "Reset TOTP" button.
pub fn reset_request(
    t: Texts,
    user_id: &str,
    link: &str,
    minutes: i64,
) -> (String, String, Option<String>) {
    let minutes = u64::try_from(minutes).unwrap_or_default();
    let expiry = t.plural("reset_mail_expiry", minutes, &[]);
    let greeting = t.fill("reset_mail_greeting", &[("user_id", user_id)]);
    let text = ResetRequestText {
        t,
        greeting: &greeting,
        link,
        expiry: &expiry,
    }
    .render()
    .unwrap_or_else(|_| link.to_string());
    let html = ResetRequestHtml {
        t,
        greeting: &greeting,
        link,
        expiry: &expiry,
    }
    .render()
    .ok();
    (t.get("reset_mail_subject").to_string(), text, html)
}

/// Something that happened to an account and that its owner must hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    TotpReset,
    TotpDisabled,
    HelpdeskTotpReset,
    HelpdeskUnlock,
    HelpdeskDisable,
    HelpdeskEnable,
}

fn notice_line(t: Texts, notice: Notice) -> &'static str {
    match notice {
        Notice::TotpReset => t.get("notice_totp_reset"),
        Notice::TotpDisabled => t.get("notice_totp_disabled"),
        Notice::HelpdeskTotpReset => t.get("notice_helpdesk_totp_reset"),
        Notice::HelpdeskUnlock => t.get("notice_helpdesk_unlock"),
        Notice::HelpdeskDisable => t.get("notice_helpdesk_disable"),
        Notice::HelpdeskEnable => t.get("notice_helpdesk_enable"),
    }
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    parts: Vec<NoticePart>,
    ip: &'a str,
    user_agent: &'a str,
}

struct NoticePart {
    greeting: String,
    line: String,
    staff: Option<String>,
    where_from: String,
    not_you: String,
}

/// A notice in Indonesian then English (the user's language is not stored): subject and
/// text. `staff` names the helpdesk member who acted.
pub fn notice(
    notice: Notice,
    user_id: &str,
    issuer: &str,
    client: &Client,
    staff: Option<&str>,
) -> (String, String) {
    let parts: Vec<NoticePart> = [Lang::Id, Lang::En]
        .into_iter()
        .map(|lang| {
            let t = Texts::new(lang);
            NoticePart {
                greeting: t.fill("notice_greeting", &[("user_id", user_id)]),
                line: notice_line(t, notice)
                    .replace("{user_id}", user_id)
                    .replace("{issuer}", issuer),
                staff: staff.map(|s| t.fill("notice_by_staff", &[("staff", s)])),
                where_from: t.get("notice_where_from").to_string(),
                not_you: t.get("notice_not_you").to_string(),
            }
        })
        .collect();
    let subject = format!(
        "{} / {}",
        notice_line(Texts::new(Lang::Id), notice)
            .replace("{user_id}", user_id)
            .replace("{issuer}", issuer),
        notice_line(Texts::new(Lang::En), notice)
            .replace("{user_id}", user_id)
            .replace("{issuer}", issuer)
    );
    let text = NoticeText {
        parts,
        ip: &client.ip,
        user_agent: &client.user_agent,
    }
    .render()
    .unwrap_or_else(|_| subject.clone());
    (subject, text)
}
