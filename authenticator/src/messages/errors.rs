//! The texts of failures, one per error a command can end with.

use spse_i18n::{Lang, Texts};
use spse_protocol::UriError;
use spse_protocol::api::ErrorCode;

use super::shown;
use crate::accounts::LookupError;
use crate::api_client::RequestError;
use crate::commands::Error;
use crate::format::FormatError;
use crate::qr::QrError;
use crate::store::StoreError;
use crate::terminal::TerminalError;

/// What the user reads when a command fails.
pub fn error(err: &Error, lang: Lang) -> String {
    let t = Texts::new(lang);
    match err {
        Error::Store(err) => store_error(t, err),
        Error::Uri(err) => t.fill("app_error_invalid_uri", &[("detail", &uri_error(t, err))]),
        Error::Qr(err) => qr_error(t, err),
        Error::Lookup(LookupError::Unknown(query)) => {
            t.fill("app_error_unknown_account", &[("query", &shown(query))])
        }
        Error::Lookup(LookupError::Ambiguous { query, labels }) => t.fill(
            "app_error_ambiguous_account",
            &[
                ("query", &shown(query)),
                ("labels", &shown(&labels.join(", "))),
            ],
        ),
        Error::Terminal(err) => terminal_error(t, err),
        Error::Cancelled => t.get("app_error_cancelled").into(),
        Error::Enroll(err @ RequestError::Unreachable(_)) => t.fill(
            "app_error_enroll_unreachable",
            &[("reason", &request_error(t, err))],
        ),
        Error::Enroll(err) => t.fill(
            "app_error_enroll",
            &[("reason", &sentence(request_error(t, err)))],
        ),
        Error::Server(err) => request_error(t, err),
        Error::NoPush(label) => t.fill("app_error_no_push", &[("label", &shown(label))]),
        Error::NothingPending(label) => {
            t.fill("app_error_nothing_pending", &[("label", &shown(label))])
        }
        Error::PendingIncomplete(count) => {
            t.plural("app_error_pending_incomplete", *count as u64, &[])
        }
        Error::NoStoreLocation => t.get("app_error_no_store_location").into(),
        Error::Input(err) => t.fill("app_error_input", &[("error", &err.to_string())]),
        Error::Output(err) => t.fill("app_error_output", &[("error", &err.to_string())]),
    }
}

/// `text` ending like a sentence, so another can follow it.
fn sentence(mut text: String) -> String {
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

fn request_error(t: Texts, err: &RequestError) -> String {
    match err {
        RequestError::BadServer(server) => {
            t.fill("app_server_bad_address", &[("server", &shown(server))])
        }
        RequestError::Unreachable(detail) => {
            t.fill("app_server_unreachable", &[("detail", detail)])
        }
        RequestError::Unexpected { status, .. } => {
            t.fill("app_server_unexpected", &[("status", &status.to_string())])
        }
        RequestError::Refused {
            status,
            code,
            message,
        } => refusal(t, *status, *code, message),
    }
}

/// What a refusal means for the person holding this device.
fn refusal(t: Texts, status: u16, code: ErrorCode, message: &str) -> String {
    let check_clock = [("check_clock", t.get("app_check_clock"))];
    match code {
        ErrorCode::InvalidToken => t.get("app_refused_invalid_token").into(),
        ErrorCode::WrongCode => t.fill("app_refused_wrong_code", &check_clock),
        ErrorCode::Expired => t.get("app_refused_expired").into(),
        ErrorCode::AlreadyDecided => t.get("app_refused_already_decided").into(),
        ErrorCode::NotFound => t.get("app_refused_not_found").into(),
        ErrorCode::WrongNumber => t.get("app_refused_wrong_number").into(),
        ErrorCode::Locked => t.get("app_refused_locked").into(),
        ErrorCode::UnknownDevice => t.get("app_refused_unknown_device").into(),
        ErrorCode::BadSignature | ErrorCode::ClockSkew | ErrorCode::Replayed => {
            t.fill("app_refused_signature", &check_clock)
        }
        ErrorCode::Unavailable => t.get("app_refused_unavailable").into(),
        ErrorCode::BadRequest => t.fill(
            "app_refused_bad_request",
            &[
                ("status", &status.to_string()),
                ("message", &shown(message)),
            ],
        ),
    }
}

fn store_error(t: Texts, err: &StoreError) -> String {
    match err {
        StoreError::Io { path, source } => t.fill(
            "app_store_io",
            &[
                ("path", &path.display().to_string()),
                ("error", &source.to_string()),
            ],
        ),
        StoreError::Content { path } => t.fill(
            "app_store_content",
            &[("path", &path.display().to_string())],
        ),
        StoreError::Format { path, source } => {
            let path = path.display().to_string();
            let path = ("path", path.as_str());
            match source {
                FormatError::WrongPassphrase => t.fill("app_store_wrong_passphrase", &[path]),
                FormatError::NotAStore => t.fill("app_store_not_a_store", &[path]),
                FormatError::UnsupportedVersion(version) => t.fill(
                    "app_store_newer_version",
                    &[path, ("version", &version.to_string())],
                ),
                FormatError::Truncated | FormatError::BadParameters => {
                    t.fill("app_store_damaged", &[path])
                }
                FormatError::Kdf(_) | FormatError::Random(_) | FormatError::Encrypt => t.fill(
                    "app_store_internal",
                    &[path, ("error", &source.to_string())],
                ),
            }
        }
    }
}

fn uri_error(t: Texts, err: &UriError) -> String {
    match err {
        UriError::Syntax(detail) => t.fill("app_uri_syntax", &[("detail", detail)]),
        UriError::NotTotp => t.get("app_uri_not_totp").into(),
        UriError::Missing(name) => t.fill("app_uri_missing", &[("name", name)]),
        UriError::BadSecret => t.get("app_uri_bad_secret").into(),
        UriError::Unsupported(what) => t.fill("app_uri_unsupported", &[("what", what)]),
    }
}

fn qr_error(t: Texts, err: &QrError) -> String {
    match err {
        QrError::Unreadable { path, detail } => t.fill(
            "app_qr_unreadable",
            &[("path", &path.display().to_string()), ("detail", detail)],
        ),
        QrError::NoCode { path } => {
            t.fill("app_qr_no_code", &[("path", &path.display().to_string())])
        }
        QrError::NotOtpauth { path } => t.fill(
            "app_qr_not_otpauth",
            &[("path", &path.display().to_string())],
        ),
        QrError::Several { path, count } => t.plural(
            "app_qr_several",
            *count as u64,
            &[("path", &path.display().to_string())],
        ),
    }
}

fn terminal_error(t: Texts, err: &TerminalError) -> String {
    match err {
        TerminalError::NoTerminal => t.get("app_terminal_missing").into(),
        TerminalError::PassphraseEmpty => t.get("app_terminal_passphrase_empty").into(),
        TerminalError::PassphraseMismatch => t.get("app_terminal_passphrase_mismatch").into(),
        TerminalError::NeedsConfirmation => t.get("app_terminal_needs_confirmation").into(),
        TerminalError::NeedsNumber => t.get("app_terminal_needs_number").into(),
        TerminalError::NotANumber(text) => {
            t.fill("app_terminal_not_a_number", &[("text", &shown(text))])
        }
        TerminalError::Io(err) => t.fill("app_terminal_io", &[("error", &err.to_string())]),
    }
}
