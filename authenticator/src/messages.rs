//! Every text the user reads (except `--help`), in Indonesian and English side by side,
//! so a translation is never missing and never scattered.

use std::path::Path;

use spse_protocol::UriError;

use crate::accounts::LookupError;
use crate::commands::Error;
use crate::format::FormatError;
use crate::qr::QrError;
use crate::store::StoreError;
use crate::terminal::TerminalError;

/// The language of the messages. SPSE's users are Indonesian, so that is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// English when the locale in force (POSIX order: `LC_ALL`, `LC_MESSAGES`, `LANG`)
    /// starts with `en`, Indonesian otherwise.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|value| !value.is_empty()))
            .map_or(Self::Id, |locale| {
                if locale.starts_with("en") {
                    Self::En
                } else {
                    Self::Id
                }
            })
    }
}

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
    Code { code: &'a str, seconds_left: u64 },
    PassphrasePrompt,
    NewStore(&'a Path),
    NewPassphrasePrompt,
    RepeatPassphrasePrompt,
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
        };
        pick(lang, id, en)
    }
}

/// What the user reads when a command fails.
pub fn error(err: &Error, lang: Lang) -> String {
    let (id, en) = match err {
        Error::Store(err) => store_error(err),
        Error::Uri(err) => {
            let (id, en) = uri_error(err);
            (
                format!("URI otpauth tidak valid: {id}"),
                format!("Invalid otpauth URI: {en}"),
            )
        }
        Error::Qr(err) => qr_error(err),
        Error::Lookup(LookupError::Unknown(query)) => {
            let query = shown(query);
            (
                format!(
                    "Akun tidak ditemukan: {query}. Lihat daftar akun dengan: spse-authenticator list"
                ),
                format!("No such account: {query}. See the accounts with: spse-authenticator list"),
            )
        }
        Error::Lookup(LookupError::Ambiguous { query, labels }) => {
            let query = shown(query);
            let labels = shown(&labels.join(", "));
            (
                format!(
                    "{query} cocok dengan beberapa akun ({labels}); sebutkan sebagai PENERBIT:AKUN."
                ),
                format!("{query} matches several accounts ({labels}); name it as ISSUER:ACCOUNT."),
            )
        }
        Error::Terminal(err) => terminal_error(err),
        Error::Cancelled => (
            "Dibatalkan; tidak ada yang diubah.".into(),
            "Cancelled; nothing was changed.".into(),
        ),
        Error::NoStoreLocation => (
            "Lokasi penyimpanan tidak diketahui (HOME tidak disetel); gunakan --store FILE.".into(),
            "The store location is unknown (HOME is not set); use --store FILE.".into(),
        ),
        Error::Input(err) => (
            format!("Gagal membaca URI dari masukan standar: {err}"),
            format!("Cannot read the URI from standard input: {err}"),
        ),
        Error::Output(err) => (
            format!("Gagal menulis keluaran: {err}"),
            format!("Cannot write the output: {err}"),
        ),
    };
    pick(lang, id, en)
}

fn store_error(err: &StoreError) -> (String, String) {
    match err {
        StoreError::Io { path, source } => {
            let path = path.display();
            (
                format!("Gagal membaca atau menulis {path}: {source}"),
                format!("Cannot read or write {path}: {source}"),
            )
        }
        StoreError::Content { path } => {
            let path = path.display();
            (
                format!("Isi penyimpanan {path} tidak dikenali."),
                format!("The content of the store {path} is not recognised."),
            )
        }
        StoreError::Format { path, source } => {
            let path = path.display();
            match source {
                FormatError::WrongPassphrase => (
                    format!(
                        "Frasa sandi salah (atau berkas {path} telah diubah); tidak ada yang diubah."
                    ),
                    format!(
                        "Wrong passphrase (or the file {path} was altered); nothing was changed."
                    ),
                ),
                FormatError::NotAStore => (
                    format!("Berkas {path} bukan penyimpanan spse-authenticator."),
                    format!("{path} is not a spse-authenticator store."),
                ),
                FormatError::UnsupportedVersion(version) => (
                    format!(
                        "Penyimpanan {path} memakai format versi {version} dari spse-authenticator yang lebih baru; perbarui program ini."
                    ),
                    format!(
                        "The store {path} uses format version {version} of a newer spse-authenticator; update this program."
                    ),
                ),
                FormatError::Truncated | FormatError::BadParameters => (
                    format!("Berkas penyimpanan {path} rusak atau terpotong."),
                    format!("The store file {path} is damaged or truncated."),
                ),
                FormatError::Kdf(_) | FormatError::Random(_) | FormatError::Encrypt => (
                    format!("Kesalahan internal pada penyimpanan {path}: {source}"),
                    format!("Internal error with the store {path}: {source}"),
                ),
            }
        }
    }
}

fn uri_error(err: &UriError) -> (String, String) {
    match err {
        UriError::Syntax(detail) => (
            format!("bukan URI ({detail})"),
            format!("not a URI ({detail})"),
        ),
        UriError::NotTotp => (
            "bukan URI otpauth://totp/".into(),
            "not an otpauth://totp/ URI".into(),
        ),
        UriError::Missing(name) => (
            format!("parameter `{name}` tidak ada"),
            format!("the parameter `{name}` is missing"),
        ),
        UriError::BadSecret => (
            "secret bukan base32 yang valid".into(),
            "the secret is not valid base32".into(),
        ),
        UriError::Unsupported(what) => (
            format!("{what} tidak didukung: SPSE memakai SHA1, 6 digit, periode 30 detik"),
            format!("unsupported {what}: SPSE uses SHA1, 6 digits, a 30-second period"),
        ),
    }
}

fn qr_error(err: &QrError) -> (String, String) {
    match err {
        QrError::Unreadable { path, detail } => {
            let path = path.display();
            (
                format!("Gambar {path} tidak dapat dibaca: {detail}"),
                format!("Cannot read the image {path}: {detail}"),
            )
        }
        QrError::NoCode { path } => {
            let path = path.display();
            (
                format!(
                    "Tidak ada kode QR yang terbaca pada gambar {path}. Coba gambar yang lebih tajam, atau potong di sekitar kode QR."
                ),
                format!(
                    "No QR code could be read in {path}. Try a sharper image, or crop it around the QR code."
                ),
            )
        }
        QrError::NotOtpauth { path } => {
            let path = path.display();
            (
                format!("Kode QR pada {path} bukan kode aktivasi TOTP (otpauth://totp/...)."),
                format!(
                    "The QR code in {path} is not a TOTP activation code (otpauth://totp/...)."
                ),
            )
        }
        QrError::Several { path, count } => {
            let path = path.display();
            (
                format!(
                    "Gambar {path} memuat {count} kode QR aktivasi yang berbeda; potong hingga tersisa satu."
                ),
                format!(
                    "The image {path} holds {count} different activation QR codes; crop it to one."
                ),
            )
        }
    }
}

fn terminal_error(err: &TerminalError) -> (String, String) {
    match err {
        TerminalError::NoTerminal => (
            "Frasa sandi diperlukan: setel SPSE_AUTHENTICATOR_PASSPHRASE atau jalankan di terminal.".into(),
            "A passphrase is needed: set SPSE_AUTHENTICATOR_PASSPHRASE or run in a terminal.".into(),
        ),
        TerminalError::PassphraseEmpty => (
            "Frasa sandi tidak boleh kosong (dan harus berupa teks UTF-8).".into(),
            "The passphrase must not be empty (and must be UTF-8 text).".into(),
        ),
        TerminalError::PassphraseMismatch => (
            "Kedua frasa sandi tidak sama; tidak ada yang disimpan.".into(),
            "The two passphrases differ; nothing was saved.".into(),
        ),
        TerminalError::NeedsConfirmation => (
            "Perlu konfirmasi: jalankan di terminal, atau tambahkan --yes.".into(),
            "Confirmation needed: run in a terminal, or add --yes.".into(),
        ),
        TerminalError::Io(err) => (
            format!("Gagal membaca dari terminal: {err}"),
            format!("Cannot read from the terminal: {err}"),
        ),
    }
}

fn pick(lang: Lang, id: String, en: String) -> String {
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

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn locale_precedence_follows_posix() {
        assert_eq!(Lang::from_vars(vars(&[])), Lang::Id);
        assert_eq!(Lang::from_vars(vars(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_vars(vars(&[("LANG", "id_ID.UTF-8")])), Lang::Id);
        assert_eq!(
            Lang::from_vars(vars(&[("LANG", "en_US"), ("LC_MESSAGES", "id_ID")])),
            Lang::Id
        );
        assert_eq!(
            Lang::from_vars(vars(&[("LANG", "id_ID"), ("LC_ALL", "en_GB")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_vars(vars(&[("LANG", "en_US"), ("LC_ALL", "")])),
            Lang::En
        );
        assert_eq!(Lang::from_vars(vars(&[("LANG", "C")])), Lang::Id);
    }

    #[test]
    fn hostile_names_cannot_reach_the_terminal() {
        assert_eq!(shown("PPK1\u{1b}[2J\u{202e}x"), "PPK1\u{FFFD}[2J\u{FFFD}x");
        assert_eq!(shown("LPSE Kota Bandung"), "LPSE Kota Bandung");
    }
}
