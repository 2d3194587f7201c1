//! One module per subcommand; what they share (opening the store, printing) is here.

mod add;
mod approvals;
mod approve;
mod code;
mod deny;
mod list;
mod pending;
mod remove;

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use spse_i18n::Lang;
use spse_protocol::UriError;

use crate::accounts::LookupError;
use crate::api_client::RequestError;
use crate::cli::Command;
use crate::messages::Msg;
use crate::qr::QrError;
use crate::store::{OpenStore, StoreError, StoreFile};
use crate::terminal::{Terminal, TerminalError};

/// Why a command failed; every variant is the user's to fix (exit status 1), and
/// [`crate::messages::error`] says how.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid otpauth URI: {0}")]
    Uri(#[from] UriError),
    #[error(transparent)]
    Qr(#[from] QrError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    #[error("cancelled")]
    Cancelled,
    /// Enrolment failed, so the account was not stored.
    #[error("enrolment failed: {0}")]
    Enroll(RequestError),
    #[error(transparent)]
    Server(RequestError),
    #[error("{0} has no login approval")]
    NoPush(String),
    #[error("no login of {0} is waiting for approval")]
    NothingPending(String),
    /// Some accounts were listed, others could not be asked (each was reported).
    #[error("{0} accounts could not be asked")]
    PendingIncomplete(usize),
    #[error("no store location: HOME is not set")]
    NoStoreLocation,
    #[error("reading standard input: {0}")]
    Input(std::io::Error),
    #[error("writing standard output: {0}")]
    Output(std::io::Error),
}

/// What every command needs: where the store is, who to ask, which language to speak.
pub struct Context {
    pub lang: Lang,
    pub store: StoreFile,
    pub terminal: Terminal,
    /// `--now`: the clock pinned, for codes and request timestamps alike.
    pub now: Option<u64>,
}

impl Context {
    /// The store if it exists yet; `None` lets read-only commands answer "no accounts"
    /// without asking for a passphrase first.
    fn open_existing(&self) -> Result<Option<OpenStore>, Error> {
        if !self.store.exists()? {
            return Ok(None);
        }
        let passphrase = self.terminal.passphrase()?;
        Ok(Some(self.store.open(&passphrase)?))
    }

    /// The store, created (with a new passphrase) when there is none yet.
    fn open_or_create(&self) -> Result<OpenStore, Error> {
        if let Some(store) = self.open_existing()? {
            return Ok(store);
        }
        self.terminal.note(Msg::NewStore(self.store.path()));
        let passphrase = self.terminal.new_passphrase()?;
        Ok(self.store.create(&passphrase)?)
    }

    /// Unix seconds now, or `--now`.
    fn now(&self) -> u64 {
        self.now.unwrap_or_else(unix_now)
    }

    /// A line of the command's output, on stdout.
    fn say(&self, line: &str) -> Result<(), Error> {
        writeln!(std::io::stdout().lock(), "{line}").map_err(Error::Output)
    }
}

/// Runs one subcommand.
pub fn run(command: Command, ctx: &Context) -> Result<(), Error> {
    match command {
        Command::Add(args) => add::run(args, ctx),
        Command::List => list::run(ctx),
        Command::Code(args) => code::run(args, ctx),
        Command::Remove(args) => remove::run(args, ctx),
        Command::Pending(args) => pending::run(args, ctx),
        Command::Approve(args) => approve::run(args, ctx),
        Command::Deny(args) => deny::run(args, ctx),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
