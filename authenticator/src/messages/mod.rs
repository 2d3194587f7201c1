//! Which text the user reads (except `--help`) for each message. The words are in
//! spse-i18n, beside the server's (`app_*` keys in `locales/*/authenticator*.toml`),
//! whose tests keep every key used here present in both languages.

mod errors;

use std::path::Path;

use spse_i18n::{Lang, Texts};

pub use errors::error;

/// A message of the normal flow; errors are rendered by [`error`].
pub enum Msg<'a> {
    AccountAdded(&'a str),
    AccountReplaced(&'a str),
    AccountRemoved(&'a str),
    ConfirmReplace(&'a str),
    ConfirmRemove(&'a str),
    YesNo,
    NoAccounts,
    ColumnIssuer,
    ColumnAccount,
    ColumnPush,
    Yes,
    No,
    Code {
        code: &'a str,
        seconds_left: u64,
    },
    PassphrasePrompt,
    NewStore(&'a Path),
    NewPassphrasePrompt,
    RepeatPassphrasePrompt,
    PushReady(&'a str),
    InsecureServer(&'a str),
    NoPushAccounts,
    NothingPendingAnywhere,
    ColumnTime,
    ColumnIp,
    ColumnBrowser,
    PendingHint,
    AccountFailed {
        label: &'a str,
        reason: &'a str,
    },
    LoginToDecide {
        account: &'a str,
        time: &'a str,
        ip: &'a str,
        browser: &'a str,
    },
    OthersWaiting(usize),
    /// The request waiting is DISABLE TOTP from a signed-in session, not a login.
    DisableTotpToDecide(&'a str),
    NumberPrompt,
    ConfirmApprove {
        account: &'a str,
        ip: &'a str,
        browser: &'a str,
    },
    ConfirmDeny {
        account: &'a str,
        ip: &'a str,
        browser: &'a str,
        not_me: bool,
    },
    Approved(&'a str),
    Denied(&'a str),
    ReportedNotMe(&'a str),
}

impl Msg<'_> {
    pub fn text(&self, lang: Lang) -> String {
        let t = Texts::new(lang);
        match self {
            Msg::AccountAdded(label) => t.fill("app_account_added", &[("label", &shown(label))]),
            Msg::AccountReplaced(label) => {
                t.fill("app_account_replaced", &[("label", &shown(label))])
            }
            Msg::AccountRemoved(label) => {
                t.fill("app_account_removed", &[("label", &shown(label))])
            }
            Msg::ConfirmReplace(label) => {
                t.fill("app_confirm_replace", &[("label", &shown(label))])
            }
            Msg::ConfirmRemove(label) => t.fill("app_confirm_remove", &[("label", &shown(label))]),
            Msg::YesNo => t.get("app_yes_no").into(),
            Msg::NoAccounts => t.get("app_no_accounts").into(),
            Msg::ColumnIssuer => t.get("app_column_issuer").into(),
            Msg::ColumnAccount => t.get("app_column_account").into(),
            Msg::ColumnPush => t.get("app_column_push").into(),
            Msg::Yes => t.get("app_yes").into(),
            Msg::No => t.get("app_no").into(),
            Msg::Code { code, seconds_left } => {
                t.plural("app_code", *seconds_left, &[("code", code)])
            }
            Msg::PassphrasePrompt => t.get("app_passphrase_prompt").into(),
            Msg::NewStore(path) => {
                t.fill("app_new_store", &[("path", &path.display().to_string())])
            }
            Msg::NewPassphrasePrompt => t.get("app_new_passphrase_prompt").into(),
            Msg::RepeatPassphrasePrompt => t.get("app_repeat_passphrase_prompt").into(),
            Msg::PushReady(account) => t.fill("app_push_ready", &[("account", &shown(account))]),
            Msg::InsecureServer(server) => {
                t.fill("app_insecure_server", &[("server", &shown(server))])
            }
            Msg::NoPushAccounts => t.get("app_no_push_accounts").into(),
            Msg::NothingPendingAnywhere => t.get("app_nothing_pending_anywhere").into(),
            Msg::ColumnTime => t.get("app_column_time").into(),
            Msg::ColumnIp => t.get("app_column_ip").into(),
            Msg::ColumnBrowser => t.get("app_column_browser").into(),
            Msg::PendingHint => t.get("app_pending_hint").into(),
            Msg::AccountFailed { label, reason } => t.fill(
                "app_account_failed",
                &[("label", &shown(label)), ("reason", reason)],
            ),
            Msg::LoginToDecide {
                account,
                time,
                ip,
                browser,
            } => t.fill(
                "app_login_to_decide",
                &[
                    ("account", &shown(account)),
                    ("time", time),
                    ("ip", &shown(ip)),
                    ("browser", browser),
                ],
            ),
            Msg::OthersWaiting(count) => t.plural("app_others_waiting", *count as u64, &[]),
            Msg::DisableTotpToDecide(account) => {
                t.fill("app_disable_to_decide", &[("account", &shown(account))])
            }
            Msg::NumberPrompt => t.get("app_number_prompt").into(),
            Msg::ConfirmApprove {
                account,
                ip,
                browser,
            } => t.fill(
                "app_confirm_approve",
                &[
                    ("account", &shown(account)),
                    ("ip", &shown(ip)),
                    ("browser", browser),
                ],
            ),
            Msg::ConfirmDeny {
                account,
                ip,
                browser,
                not_me,
            } => {
                let (account, ip) = (shown(account), shown(ip));
                let pairs = [
                    ("account", account.as_str()),
                    ("ip", &ip),
                    ("browser", browser),
                ];
                if *not_me {
                    t.fill("app_confirm_deny_not_me", &pairs)
                } else {
                    t.fill("app_confirm_deny", &pairs)
                }
            }
            Msg::Approved(account) => t.fill("app_approved", &[("account", &shown(account))]),
            Msg::Denied(account) => t.fill("app_denied", &[("account", &shown(account))]),
            Msg::ReportedNotMe(account) => {
                t.fill("app_reported_not_me", &[("account", &shown(account))])
            }
        }
    }
}

/// Issuer and account names come from a QR code anyone could have made: show them with
/// control and bidi-override characters replaced, so they cannot drive the terminal or
/// disguise themselves.
pub fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
            if c.is_control() || bidi { '\u{FFFD}' } else { c }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_cannot_reach_the_terminal() {
        assert_eq!(shown("PPK1\u{1b}[2J\u{202e}x"), "PPK1\u{FFFD}[2J\u{FFFD}x");
        assert_eq!(shown("LPSE Kota Bandung"), "LPSE Kota Bandung");
    }
}
