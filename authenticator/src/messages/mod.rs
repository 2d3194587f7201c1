//! Every text the user reads (except `--help`), in Indonesian and English side by side,
//! so a translation is never missing and never scattered.

mod errors;

use std::path::Path;

use spse_i18n::Lang;

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
        let (id, en) = match self {
            Msg::AccountAdded(label) => {
                let label = shown(label);
                (
                    format!("Akun ditambahkan: {label}"),
                    format!("Account added: {label}"),
                )
            }
            Msg::AccountReplaced(label) => {
                let label = shown(label);
                (
                    format!("Akun diganti dengan kunci yang baru: {label}"),
                    format!("Account replaced with the new key: {label}"),
                )
            }
            Msg::AccountRemoved(label) => {
                let label = shown(label);
                (
                    format!("Akun dihapus: {label}"),
                    format!("Account removed: {label}"),
                )
            }
            Msg::ConfirmReplace(label) => {
                let label = shown(label);
                (
                    format!("Akun {label} sudah ada. Ganti kuncinya dengan yang baru?"),
                    format!(
                        "The account {label} already exists. Replace its key with the new one?"
                    ),
                )
            }
            Msg::ConfirmRemove(label) => {
                let label = shown(label);
                (
                    format!("Hapus akun {label}? Kode untuk akun ini tidak dapat dibuat lagi."),
                    format!("Remove the account {label}? Codes for it can no longer be made."),
                )
            }
            Msg::YesNo => (" [y/T] ".into(), " [y/N] ".into()),
            Msg::NoAccounts => (
                "Belum ada akun. Tambahkan dengan: spse-authenticator add OTPAUTH_URI".into(),
                "No accounts yet. Add one with: spse-authenticator add OTPAUTH_URI".into(),
            ),
            Msg::ColumnIssuer => ("PENERBIT".into(), "ISSUER".into()),
            Msg::ColumnAccount => ("AKUN".into(), "ACCOUNT".into()),
            Msg::ColumnPush => ("PUSH".into(), "PUSH".into()),
            Msg::Yes => ("ya".into(), "yes".into()),
            Msg::No => ("tidak".into(), "no".into()),
            Msg::Code { code, seconds_left } => (
                format!("{code}  (berlaku {seconds_left} detik lagi)"),
                format!("{code}  (valid for {seconds_left} more seconds)"),
            ),
            Msg::PassphrasePrompt => (
                "Frasa sandi penyimpanan: ".into(),
                "Store passphrase: ".into(),
            ),
            Msg::NewStore(path) => (
                format!("Membuat penyimpanan baru: {}", path.display()),
                format!("Creating a new store: {}", path.display()),
            ),
            Msg::NewPassphrasePrompt => (
                "Frasa sandi baru untuk penyimpanan: ".into(),
                "New passphrase for the store: ".into(),
            ),
            Msg::RepeatPassphrasePrompt => (
                "Ulangi frasa sandi: ".into(),
                "Repeat the passphrase: ".into(),
            ),
            Msg::PushReady(account) => {
                let account = shown(account);
                (
                    format!("Login {account} kini dapat disetujui dari aplikasi ini."),
                    format!("Logins of {account} can now be approved from this app."),
                )
            }
            Msg::InsecureServer(server) => {
                let server = shown(server);
                (
                    format!(
                        "Peringatan: {server} memakai http tanpa enkripsi; hanya layak untuk uji coba di mesin ini."
                    ),
                    format!(
                        "Warning: {server} uses http without encryption; only sensible for tests on this machine."
                    ),
                )
            }
            Msg::NoPushAccounts => (
                "Belum ada akun dengan persetujuan login. Tambahkan dari QR aktivasi SPSE: spse-authenticator add --qr GAMBAR".into(),
                "No account has login approval yet. Add one from the SPSE activation QR code: spse-authenticator add --qr IMAGE".into(),
            ),
            Msg::NothingPendingAnywhere => (
                "Tidak ada login yang menunggu persetujuan.".into(),
                "No logins are waiting for approval.".into(),
            ),
            Msg::ColumnTime => ("WAKTU".into(), "TIME".into()),
            Msg::ColumnIp => ("IP".into(), "IP".into()),
            Msg::ColumnBrowser => ("PERAMBAN".into(), "BROWSER".into()),
            Msg::PendingHint => (
                "Setujui dengan: spse-authenticator approve AKUN (masukkan angka yang tampil di browser)".into(),
                "Approve with: spse-authenticator approve ACCOUNT (type the number shown in the browser)".into(),
            ),
            Msg::AccountFailed { label, reason } => {
                let label = shown(label);
                (format!("{label}: {reason}"), format!("{label}: {reason}"))
            }
            Msg::LoginToDecide {
                account,
                time,
                ip,
                browser,
            } => {
                let (account, ip) = (shown(account), shown(ip));
                (
                    format!("Login {account} pada {time} dari IP {ip}, {browser}"),
                    format!("Login of {account} at {time} from IP {ip}, {browser}"),
                )
            }
            Msg::OthersWaiting(count) => (
                format!(
                    "{count} login lain juga menunggu; yang terbaru dipilih. Lihat semuanya dengan: spse-authenticator pending"
                ),
                format!(
                    "{count} other login(s) also waiting; the newest was chosen. See them all with: spse-authenticator pending"
                ),
            ),
            Msg::NumberPrompt => (
                "Angka yang tampil di browser: ".into(),
                "Number shown in the browser: ".into(),
            ),
            Msg::ConfirmApprove {
                account,
                ip,
                browser,
            } => {
                let (account, ip) = (shown(account), shown(ip));
                (
                    format!("Setujui login {account} dari IP {ip} ({browser})?"),
                    format!("Approve the login of {account} from IP {ip} ({browser})?"),
                )
            }
            Msg::ConfirmDeny {
                account,
                ip,
                browser,
                not_me,
            } => {
                let (account, ip) = (shown(account), shown(ip));
                let (id_note, en_note) = if *not_me {
                    (" dan laporkan sebagai bukan Anda", " and report it as not yours")
                } else {
                    ("", "")
                };
                (
                    format!("Tolak login {account} dari IP {ip} ({browser}){id_note}?"),
                    format!("Deny the login of {account} from IP {ip} ({browser}){en_note}?"),
                )
            }
            Msg::Approved(account) => {
                let account = shown(account);
                (
                    format!("Login disetujui: {account}. Browser akan melanjutkan ke beranda."),
                    format!("Login approved: {account}. The browser will continue to the home page."),
                )
            }
            Msg::Denied(account) => {
                let account = shown(account);
                (
                    format!("Login ditolak: {account}. Percobaan login itu sudah berakhir."),
                    format!("Login denied: {account}. That login attempt is over."),
                )
            }
            Msg::ReportedNotMe(account) => {
                let account = shown(account);
                (
                    format!(
                        "Login ditolak dan dilaporkan sebagai bukan Anda: {account}. Pengguna dan helpdesk diberi tahu, dan persetujuan login baru untuk akun ini dijeda sementara."
                    ),
                    format!(
                        "Login denied and reported as not you: {account}. The user and the helpdesk are notified, and new login approvals for this account pause for a while."
                    ),
                )
            }
        };
        pick(lang, id, en)
    }
}

pub fn pick(lang: Lang, id: String, en: String) -> String {
    match lang {
        Lang::Id => id,
        Lang::En => en,
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
