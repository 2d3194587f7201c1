//! Every mail's words: its subject and bodies, from the locale texts. The account mails
//! go out in Indonesian then English (the user's language is not stored yet); the reset
//! mail in the language the request was made in.

use askama::Template;

use spse_domain::client::Client;
use spse_domain::helpdesk::Helpdesk;
use spse_domain::password_link::LinkPurpose;
use spse_i18n::{Lang, Texts};

use crate::Mail;

/// One language's half of a mail sent in both.
struct Part {
    greeting: String,
    body: String,
    closing: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/bilingual.txt")]
struct Bilingual {
    parts: Vec<Part>,
}

/// A mail in Indonesian then English, subject "Indonesian / English"; `words` gives one
/// language's subject and part.
fn in_both(to: &str, words: impl Fn(Texts) -> (String, Part)) -> Mail {
    let [(id_subject, id), (en_subject, en)] =
        [Lang::Id, Lang::En].map(|lang| words(Texts::new(lang)));
    let subject = format!("{id_subject} / {en_subject}");
    let text = Bilingual {
        parts: vec![id, en],
    }
    .render()
    .unwrap_or_else(|_| subject.clone());
    Mail {
        to: to.to_string(),
        subject,
        text,
        html: None,
    }
}

/// Who, where and from which client: the placeholders of the account mails.
fn account_pairs<'a>(
    user_id: &'a str,
    issuer: &'a str,
    ip: &'a str,
    user_agent: &'a str,
) -> [(&'static str, &'a str); 4] {
    [
        ("user_id", user_id),
        ("issuer", issuer),
        ("ip", ip),
        ("user_agent", user_agent),
    ]
}

/// Notice that TOTP was activated, so a user who did not do it can react.
pub fn totp_activated(to: &str, user_id: &str, issuer: &str, client: &Client) -> Mail {
    let pairs = account_pairs(user_id, issuer, &client.ip, &client.user_agent);
    in_both(to, |t| {
        let part = Part {
            greeting: t.fill("mail_greeting", &pairs),
            body: t.fill("totp_activated_mail_body", &pairs),
            closing: Some(t.get("totp_activated_mail_not_you").to_string()),
        };
        (t.get("totp_activated_mail_subject").to_string(), part)
    })
}

/// Notice that the password changed and other sessions ended.
pub fn password_changed(to: &str, user_id: &str, issuer: &str, client: &Client) -> Mail {
    let pairs = account_pairs(user_id, issuer, &client.ip, &client.user_agent);
    in_both(to, |t| {
        let part = Part {
            greeting: t.fill("mail_greeting", &pairs),
            body: t.fill("password_changed_mail_body", &pairs),
            closing: Some(t.get("password_changed_mail_not_you").to_string()),
        };
        (t.get("password_changed_mail_subject").to_string(), part)
    })
}

/// What "bukan saya" did, so the user knows to expect the password change.
pub fn not_me(to: &str, user_id: &str, issuer: &str, client: &Client) -> Mail {
    let pairs = account_pairs(user_id, issuer, &client.ip, &client.user_agent);
    in_both(to, |t| {
        let part = Part {
            greeting: t.fill("mail_greeting", &pairs),
            body: t.fill("not_me_mail_body", &pairs),
            closing: None,
        };
        (t.get("not_me_mail_subject").to_string(), part)
    })
}

/// Notice that a login was refused in the authenticator ("bukan saya" or a plain no).
/// What was refused in the authenticator, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Login,
    LoginNotMe,
    /// A DISABLE TOTP asked from a signed-in session, answered "not me".
    DisableTotpNotMe,
}

pub fn login_refused(to: &str, user_id: &str, ip: &str, user_agent: &str, what: Refused) -> Mail {
    let pairs = [("user_id", user_id), ("ip", ip), ("user_agent", user_agent)];
    in_both(to, |t| {
        let (subject, body, closing) = match what {
            Refused::Login => (
                "login_refused_mail_subject",
                "login_refused_mail_body",
                None,
            ),
            Refused::LoginNotMe => (
                "login_refused_mail_subject",
                "login_refused_mail_body_not_me",
                Some("login_refused_mail_not_me_next"),
            ),
            Refused::DisableTotpNotMe => (
                "disable_refused_mail_subject",
                "disable_refused_mail_body",
                Some("login_refused_mail_not_me_next"),
            ),
        };
        let part = Part {
            greeting: t.fill("mail_greeting", &pairs),
            body: t.fill(body, &pairs),
            closing: closing.map(|key| t.get(key).to_string()),
        };
        (t.get(subject).to_string(), part)
    })
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
/// plain text, and the HTML with its "Reset TOTP" button.
pub fn reset_request(to: &str, t: Texts, user_id: &str, link: &str, minutes: i64) -> Mail {
    let minutes = u64::try_from(minutes).unwrap_or_default();
    let expiry = t.plural("reset_mail_expiry", minutes, &[]);
    let greeting = t.fill("mail_greeting", &[("user_id", user_id)]);
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
    Mail {
        to: to.to_string(),
        subject: t.get("reset_mail_subject").to_string(),
        text,
        html,
    }
}

/// "Login SPSE dijeda": a lock started on the account, once per lock, with how long it
/// lasts, what still works and what to do if it was not the owner.
pub fn lock_started(to: &str, user_id: &str, code_step: bool, minutes: i64) -> Mail {
    let minutes = u64::try_from(minutes).unwrap_or_default();
    in_both(to, |t| {
        let what = if code_step {
            t.get("lock_mail_codes")
        } else {
            t.get("lock_mail_passwords")
        };
        let part = Part {
            greeting: t.fill("mail_greeting", &[("user_id", user_id)]),
            body: [
                what.to_string(),
                t.plural("lock_mail_length", minutes, &[]),
                t.get("lock_mail_trusted").to_string(),
            ]
            .join("\n\n"),
            closing: Some(t.get("lock_mail_not_me").to_string()),
        };
        (t.get("lock_mail_subject").to_string(), part)
    })
}

/// "Tautan Aktivasi TOTP": the link that lets one browser activate TOTP after a reset.
pub fn activation_link(to: &str, user_id: &str, link: &str, minutes: i64) -> Mail {
    let minutes = u64::try_from(minutes).unwrap_or_default();
    in_both(to, |t| {
        let part = Part {
            greeting: t.fill("mail_greeting", &[("user_id", user_id)]),
            body: [
                t.get("activation_mail_body").to_string(),
                link.to_string(),
                t.plural("activation_mail_expiry", minutes, &[]),
            ]
            .join("\n\n"),
            closing: Some(t.get("activation_mail_ignore").to_string()),
        };
        (t.get("activation_mail_subject").to_string(), part)
    })
}

/// The mail that carries a set-password link: "Permintaan Reset Password" (asked on the
/// Lupa Password form, or sent by the helpdesk), or the invitation of an account that has
/// no password yet.
pub fn password_link(
    to: &str,
    user_id: &str,
    link: &str,
    minutes: i64,
    purpose: LinkPurpose,
) -> Mail {
    let minutes = u64::try_from(minutes).unwrap_or_default();
    let (subject, body, ignore) = match purpose {
        LinkPurpose::Reset | LinkPurpose::Helpdesk => (
            "password_link_mail_subject",
            "password_link_mail_body",
            "password_link_mail_ignore",
        ),
        LinkPurpose::Invite => (
            "invite_mail_subject",
            "invite_mail_body",
            "invite_mail_ignore",
        ),
    };
    in_both(to, |t| {
        let part = Part {
            greeting: t.fill("mail_greeting", &[("user_id", user_id)]),
            body: [
                t.get(body).to_string(),
                link.to_string(),
                t.plural("password_link_mail_expiry", minutes, &[]),
            ]
            .join("\n\n"),
            closing: Some(t.get(ignore).to_string()),
        };
        (t.get(subject).to_string(), part)
    })
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
    /// A password set through a mailed link.
    PasswordReset,
}

fn notice_line(t: Texts, notice: Notice, pairs: &[(&str, &str)]) -> String {
    match notice {
        Notice::TotpReset => t.fill("notice_totp_reset", pairs),
        Notice::TotpDisabled => t.fill("notice_totp_disabled", pairs),
        Notice::HelpdeskTotpReset => t.fill("notice_helpdesk_totp_reset", pairs),
        Notice::HelpdeskUnlock => t.fill("notice_helpdesk_unlock", pairs),
        Notice::HelpdeskDisable => t.fill("notice_helpdesk_disable", pairs),
        Notice::HelpdeskEnable => t.fill("notice_helpdesk_enable", pairs),
        Notice::PasswordReset => t.fill("notice_password_reset", pairs),
    }
}

/// A notice: its line is also its subject. `staff` names the helpdesk member who acted.
pub fn notice(
    to: &str,
    notice: Notice,
    user_id: &str,
    issuer: &str,
    client: &Client,
    staff: Option<&str>,
) -> Mail {
    let pairs = account_pairs(user_id, issuer, &client.ip, &client.user_agent);
    in_both(to, |t| {
        let line = notice_line(t, notice, &pairs);
        let mut body = line.clone();
        if let Some(staff) = staff {
            body.push('\n');
            body.push_str(&t.fill("notice_by_staff", &[("staff", staff)]));
        }
        body.push('\n');
        body.push_str(&t.fill("notice_where_from", &pairs));
        let part = Part {
            greeting: t.fill("mail_greeting", &pairs),
            body,
            closing: Some(match notice {
                Notice::PasswordReset => t.get("password_changed_mail_not_you").to_string(),
                _ => t.get("notice_not_you").to_string(),
            }),
        };
        (line, part)
    })
}

/// The helpdesk's contact, in both languages, at the end of every mail (WCAG 3.2.6:
/// help in the same place): the mails that say "hubungi helpdesk LPSE" then say how.
/// Every mail passes through the queue, which adds it, so none goes out without it.
pub fn with_help(mut mail: Mail, help: &Helpdesk) -> Mail {
    let pairs = [
        ("email", help.email.as_str()),
        ("phone", help.phone.as_str()),
        ("url", help.url.as_str()),
    ];
    let [id, en] =
        [Lang::Id, Lang::En].map(|lang| Texts::new(lang).fill("help_contact_line", &pairs));
    mail.text = format!("{}\n\n--\n{id}\n{en}\n", mail.text.trim_end());
    if let Some(html) = mail.html.as_mut() {
        let line = HelpHtml { id: &id, en: &en }.render().unwrap_or_default();
        match html.rfind("</body>") {
            Some(at) => html.insert_str(at, &line),
            None => html.push_str(&line),
        }
    }
    mail
}

#[derive(Template)]
#[template(path = "mail/help.html")]
struct HelpHtml<'a> {
    id: &'a str,
    en: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Filters and tests downstream match on these subjects: their wording stays.
    #[test]
    fn account_mails_are_in_both_languages_subject_and_body() {
        let client = Client {
            ip: "10.0.0.1".into(),
            user_agent: "Firefox {ip}".into(),
            trusted_browser: None,
        };
        let mails = [
            (
                totp_activated("a@lpse.id", "PPK1", "LPSE", &client),
                "TOTP SPSE diaktifkan / SPSE TOTP activated",
            ),
            (
                password_changed("a@lpse.id", "PPK1", "LPSE", &client),
                "Password SPSE diganti / SPSE password changed",
            ),
            (
                not_me("a@lpse.id", "PPK1", "LPSE", &client),
                "Login yang tidak Anda kenali / A login you did not recognise",
            ),
            (
                login_refused(
                    "a@lpse.id",
                    "PPK1",
                    "10.0.0.1",
                    "Firefox {ip}",
                    Refused::LoginNotMe,
                ),
                "Login SPSE ditolak / SPSE login refused",
            ),
            (
                login_refused(
                    "a@lpse.id",
                    "PPK1",
                    "10.0.0.1",
                    "Firefox {ip}",
                    Refused::DisableTotpNotMe,
                ),
                "DISABLE TOTP SPSE ditolak: bukan Anda / SPSE DISABLE TOTP refused: not you",
            ),
        ];
        for (mail, subject) in mails {
            assert_eq!(mail.subject, subject);
            assert_eq!(mail.to, "a@lpse.id");
            let (id, en) = mail.text.split_once("\n\n---\n\n").expect("two halves");
            assert!(id.starts_with("Yth. pengguna PPK1,"), "{id}");
            assert!(en.starts_with("Dear PPK1,"), "{en}");
            assert!(id.contains("Browser: Firefox {ip}"), "{id}");
        }
    }
}
