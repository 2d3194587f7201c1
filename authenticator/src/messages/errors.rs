//! The texts of failures, one per error a command can end with.

use spse_protocol::UriError;
use spse_protocol::api::ErrorCode;

use super::{Lang, pick, shown};
use crate::accounts::LookupError;
use crate::api_client::RequestError;
use crate::commands::Error;
use crate::format::FormatError;
use crate::qr::QrError;
use crate::store::StoreError;
use crate::terminal::TerminalError;

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
        Error::Enroll(err @ RequestError::Unreachable(_)) => {
            let (id, en) = request_error(err);
            (
                format!(
                    "{id}. Tidak ada yang disimpan; untuk menyimpan akun hanya untuk kode (tanpa persetujuan login), tambahkan --no-push."
                ),
                format!(
                    "{en}. Nothing was stored; to keep the account for codes only (without login approval), add --no-push."
                ),
            )
        }
        Error::Enroll(err) => {
            let (id, en) = request_error(err);
            (
                format!("{} Tidak ada yang disimpan.", sentence(id)),
                format!("{} Nothing was stored.", sentence(en)),
            )
        }
        Error::Server(err) => request_error(err),
        Error::NoPush(label) => {
            let label = shown(label);
            (
                format!(
                    "Akun {label} tidak terhubung untuk persetujuan login; tambahkan dari QR aktivasi SPSE (tanpa --no-push)."
                ),
                format!(
                    "The account {label} is not set up for login approval; add it from the SPSE activation QR code (without --no-push)."
                ),
            )
        }
        Error::NothingPending(label) => {
            let label = shown(label);
            (
                format!(
                    "Tidak ada login {label} yang menunggu persetujuan. Login dulu di browser, lalu coba lagi."
                ),
                format!(
                    "No login of {label} is waiting for approval. Log in in the browser first, then try again."
                ),
            )
        }
        Error::PendingIncomplete(count) => (
            format!("{count} akun tidak dapat diperiksa (lihat di atas)."),
            format!("{count} account(s) could not be checked (see above)."),
        ),
        Error::NoStoreLocation => (
            "Lokasi penyimpanan tidak diketahui (HOME tidak disetel); gunakan --store FILE atau SPSE_AUTHENTICATOR_STORE.".into(),
            "The store location is unknown (HOME is not set); use --store FILE or SPSE_AUTHENTICATOR_STORE.".into(),
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

/// `text` ending like a sentence, so another can follow it.
fn sentence(mut text: String) -> String {
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

fn request_error(err: &RequestError) -> (String, String) {
    match err {
        RequestError::BadServer(server) => {
            let server = shown(server);
            (
                format!("Alamat server pada kode QR tidak valid: {server}"),
                format!("The server address in the QR code is not valid: {server}"),
            )
        }
        RequestError::Unreachable(detail) => (
            format!("server tidak menjawab: {detail}"),
            format!("the server does not answer: {detail}"),
        ),
        RequestError::Unexpected { status, .. } => (
            format!(
                "Jawaban server tidak dikenali (HTTP {status}); apakah alamat server pada kode QR benar?"
            ),
            format!(
                "The server's answer is not recognised (HTTP {status}); is the server address in the QR code right?"
            ),
        ),
        RequestError::Refused {
            status,
            code,
            message,
        } => refusal(*status, *code, message),
    }
}

/// What a refusal means for the person holding this device.
fn refusal(status: u16, code: ErrorCode, message: &str) -> (String, String) {
    let check_clock = (
        "periksa apakah jam perangkat ini tepat (selisih paling banyak 1 menit)",
        "check that this device's clock is right (at most 1 minute off)",
    );
    let (id, en): (String, String) = match code {
        ErrorCode::InvalidToken => (
            "QR ini sudah dipakai perangkat lain atau kedaluwarsa. Login lagi di browser untuk mendapat QR aktivasi yang baru.".into(),
            "This QR code was already used by another device, or it has expired. Log in again in the browser to get a new activation QR code.".into(),
        ),
        ErrorCode::WrongCode => (
            format!("Server tidak menerima kode dari QR ini; {}.", check_clock.0),
            format!("The server did not accept the code from this QR code; {}.", check_clock.1),
        ),
        ErrorCode::Expired => (
            "Permintaan login ini sudah kedaluwarsa (berlaku 2 menit). Login lagi di browser.".into(),
            "This login request has expired (they last 2 minutes). Log in again in the browser.".into(),
        ),
        ErrorCode::AlreadyDecided => (
            "Permintaan login ini sudah diputuskan sebelumnya; tidak ada yang diubah.".into(),
            "This login request was already decided; nothing was changed.".into(),
        ),
        ErrorCode::NotFound => (
            "Permintaan login ini tidak ada lagi di server (kedaluwarsa atau sudah diputuskan).".into(),
            "This login request is no longer on the server (expired or already decided).".into(),
        ),
        ErrorCode::WrongNumber => (
            "Angka tidak cocok dengan yang tampil di browser; login tidak disetujui. Kesalahan ini dihitung menuju penguncian TOTP akun.".into(),
            "The number does not match the one shown in the browser; the login was not approved. This mistake counts toward the account's TOTP lockout.".into(),
        ),
        ErrorCode::Locked => (
            "Akun terkunci sementara karena terlalu banyak kesalahan TOTP; coba lagi nanti.".into(),
            "The account is locked for a while after too many TOTP mistakes; try again later.".into(),
        ),
        ErrorCode::UnknownDevice => (
            "perangkat ini tidak lagi terdaftar untuk akun ini (TOTP diaktifkan di perangkat lain, atau direset). Hapus akun ini dan tambahkan lagi dari QR aktivasi yang baru.".into(),
            "this device is no longer registered for this account (TOTP was activated on another device, or reset). Remove the account and add it again from a new activation QR code.".into(),
        ),
        ErrorCode::BadSignature | ErrorCode::ClockSkew | ErrorCode::Replayed => (
            format!("Server menolak tanda tangan permintaan; {}.", check_clock.0),
            format!("The server refused the request's signature; {}.", check_clock.1),
        ),
        ErrorCode::Unavailable => (
            "Server sedang tidak tersedia; coba lagi nanti.".into(),
            "The server is unavailable at the moment; try again later.".into(),
        ),
        ErrorCode::BadRequest => {
            let message = shown(message);
            (
                format!("Server menolak permintaan (HTTP {status}): {message}"),
                format!("The server refused the request (HTTP {status}): {message}"),
            )
        }
    };
    (id, en)
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
        TerminalError::NeedsNumber => (
            "Angka yang tampil di browser diperlukan: tambahkan --number N, atau jalankan di terminal.".into(),
            "The number shown in the browser is needed: add --number N, or run in a terminal.".into(),
        ),
        TerminalError::NotANumber(text) => {
            let text = shown(text);
            (
                format!("Bukan angka: {text}. Ketik angka yang tampil di browser."),
                format!("Not a number: {text}. Type the number shown in the browser."),
            )
        }
        TerminalError::Io(err) => (
            format!("Gagal membaca dari terminal: {err}"),
            format!("Cannot read from the terminal: {err}"),
        ),
    }
}
