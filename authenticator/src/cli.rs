//! The command line. Names and flags are part of the outward contract (DESIGN.md).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use spse_i18n::Lang;

/// SPSE Authenticator: TOTP codes and login approvals for SPSE accounts, in a terminal.
///
/// Accounts are kept in an encrypted store, unlocked with a passphrase that is asked on
/// the terminal or taken from SPSE_AUTHENTICATOR_PASSPHRASE. Messages are in Indonesian
/// unless the locale (LC_ALL, LC_MESSAGES, LANG) is English or --lang says otherwise.
///
/// Exit status: 0 success, 1 the command failed (unknown account, invalid URI, wrong
/// passphrase, ...), 2 invalid usage.
#[derive(Debug, Parser)]
#[command(name = "spse-authenticator", version, propagate_version = true)]
pub struct Cli {
    /// The encrypted store file [env: SPSE_AUTHENTICATOR_STORE; default:
    /// $XDG_DATA_HOME/spse-authenticator/store.json.enc, or
    /// ~/.local/share/spse-authenticator/store.json.enc]
    #[arg(long, global = true, value_name = "FILE")]
    pub store: Option<PathBuf>,

    /// Language of the messages (default from the locale)
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    pub lang: Option<LangArg>,

    /// Act as if the clock said this unix time, for codes and signed requests alike
    /// (for tests that pin the server's clock)
    #[arg(long, global = true, value_name = "UNIX_SECONDS", hide = true)]
    pub now: Option<u64>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an account from the activation QR code of SPSE (or any otpauth://totp/ URI)
    ///
    /// Give the URI the QR code holds, or the image with --qr. A screenshot of the whole
    /// activation page works. If the account (same issuer and account name) exists
    /// already, its key is replaced after confirmation. The first account creates the
    /// store and asks for a new passphrase twice.
    ///
    /// An SPSE activation code also names its server: this app then registers itself
    /// there (a new device key, signed with a current code), which activates TOTP and
    /// lets logins be approved from here. If the server refuses or does not answer,
    /// nothing is stored; --no-push skips the server and keeps the account for codes
    /// only.
    #[command(
        after_help = "Examples:\n  spse-authenticator add --qr aktivasi.png\n  \
        spse-authenticator add 'otpauth://totp/LPSE:PPK1?secret=...&issuer=LPSE'\n  \
        spse-authenticator add - < uri.txt"
    )]
    Add(AddArgs),

    /// List the accounts: issuer, account name, and whether login approval (push) is set up
    List,

    /// Show the current 6-digit code of an account
    ///
    /// On a terminal the code is followed by the seconds it stays valid. When standard
    /// output is not a terminal (a pipe, a file, $(...)), or with --quiet, only the code
    /// and a newline are printed: CODE=$(spse-authenticator code PPK1)
    Code(CodeArgs),

    /// Remove an account from the store (asks for confirmation unless --yes)
    ///
    /// Codes for the account can no longer be made afterwards; to log in again the TOTP
    /// of the account must be reset and activated anew.
    Remove(RemoveArgs),

    /// Show the logins waiting for approval: account, time (WIB), IP address and browser
    ///
    /// Asks the server of every account with login approval, or only of ACCOUNT. The
    /// number to match is never shown here: it is on the browser's page, and must be
    /// typed into `approve`.
    Pending(PendingArgs),

    /// Approve the newest waiting login of an account, with the number the browser shows
    ///
    /// Asks for the number shown in the browser (unless --number), then whether to
    /// approve (unless --yes). A wrong number counts toward the account's TOTP lockout.
    #[command(after_help = "Examples:\n  spse-authenticator approve PPK1\n  \
        spse-authenticator approve PPK1 --number 42 --yes")]
    Approve(ApproveArgs),

    /// Refuse the newest waiting login of an account
    ///
    /// The browser is told the login was refused. With --not-me the attempt is also
    /// reported (the user and the helpdesk are told) and new approvals for the account
    /// pause for a while.
    Deny(DenyArgs),
}

#[derive(Args)]
pub struct AddArgs {
    /// The otpauth://totp/ URI from the activation QR code; `-` reads it from standard
    /// input (keeps the secret out of the shell history and the process list)
    #[arg(
        value_name = "OTPAUTH_URI",
        required_unless_present = "qr",
        conflicts_with = "qr"
    )]
    pub uri: Option<String>,

    /// Read the activation QR code from an image (PNG or JPEG), e.g. a screenshot
    #[arg(long, value_name = "IMAGE")]
    pub qr: Option<PathBuf>,

    /// Replace an existing account with the same issuer and name without asking
    #[arg(long, short)]
    pub yes: bool,

    /// Do not register with the server: keep the account for codes only, without
    /// login approval
    #[arg(long)]
    pub no_push: bool,
}

/// The URI carries the secret: `Debug` leaves it out.
impl std::fmt::Debug for AddArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddArgs")
            .field("qr", &self.qr)
            .field("yes", &self.yes)
            .field("no_push", &self.no_push)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Args)]
pub struct PendingArgs {
    /// Only this account (user ID, or ISSUER:ACCOUNT); default: every account with
    /// login approval
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,

    /// Print one JSON array (issuer, account, id, created_at, expires_at, ip,
    /// user_agent; times in unix seconds)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The account name (user ID), or ISSUER:ACCOUNT when ambiguous; case is ignored
    #[arg(value_name = "ACCOUNT")]
    pub account: String,

    /// The number shown in the browser (asked on the terminal when missing)
    #[arg(long, short, value_name = "N")]
    pub number: Option<u32>,

    /// Approve without asking for confirmation
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct DenyArgs {
    /// The account name (user ID), or ISSUER:ACCOUNT when ambiguous; case is ignored
    #[arg(value_name = "ACCOUNT")]
    pub account: String,

    /// "Bukan saya": the login is not yours; report it and pause new approvals
    #[arg(long)]
    pub not_me: bool,

    /// Refuse without asking for confirmation
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The account name (user ID, e.g. PPK1), or ISSUER:ACCOUNT when the name alone is
    /// ambiguous; case is ignored
    #[arg(value_name = "ACCOUNT")]
    pub account: String,

    /// Print only the code, even on a terminal
    #[arg(long, short)]
    pub quiet: bool,

    /// Compute the code at this unix time instead of now (for tests)
    #[arg(long, value_name = "UNIX_SECONDS", hide = true)]
    pub at: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The account name (user ID), or ISSUER:ACCOUNT when ambiguous; case is ignored
    #[arg(value_name = "ACCOUNT")]
    pub account: String,

    /// Remove without asking
    #[arg(long, short)]
    pub yes: bool,
}

/// `--lang` values; a separate type so the message catalogue stays free of clap.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// Bahasa Indonesia
    Id,
    /// English
    En,
}

impl From<LangArg> for Lang {
    fn from(arg: LangArg) -> Self {
        match arg {
            LangArg::Id => Lang::Id,
            LangArg::En => Lang::En,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
