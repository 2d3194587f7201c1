//! Asking the person at the terminal: the passphrase and yes/no confirmations.
//!
//! A run counts as interactive when standard input is a terminal. Without one, nothing
//! is ever asked: the passphrase must come from `SPSE_AUTHENTICATOR_PASSPHRASE` and
//! confirmations from `--yes`, so a script fails clearly instead of hanging.

use std::io::{BufRead, IsTerminal, Write};

use spse_i18n::Lang;
use zeroize::Zeroizing;

use crate::messages::Msg;

/// The variable scripts use to give the passphrase.
pub const PASSPHRASE_VAR: &str = "SPSE_AUTHENTICATOR_PASSPHRASE";

/// Why nothing usable came from the user.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("no passphrase: {PASSPHRASE_VAR} is not set and there is no terminal")]
    NoTerminal,
    #[error("the passphrase is empty or not UTF-8")]
    PassphraseEmpty,
    #[error("the two passphrases differ")]
    PassphraseMismatch,
    #[error("confirmation needed but there is no terminal")]
    NeedsConfirmation,
    #[error("the number shown in the browser is needed but there is no terminal")]
    NeedsNumber,
    #[error("not a number: {0}")]
    NotANumber(String),
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
}

/// The user's side of the conversation.
pub struct Terminal {
    lang: Lang,
    interactive: bool,
}

impl Terminal {
    pub fn detect(lang: Lang) -> Self {
        Self {
            lang,
            interactive: std::io::stdin().is_terminal(),
        }
    }

    /// The passphrase of an existing store.
    pub fn passphrase(&self) -> Result<Zeroizing<String>, TerminalError> {
        if let Some(passphrase) = from_env()? {
            return Ok(passphrase);
        }
        self.ask_secret(Msg::PassphrasePrompt)
    }

    /// The passphrase of a store about to be created; typed twice, since a typo here
    /// would lock the user out of every account they add.
    pub fn new_passphrase(&self) -> Result<Zeroizing<String>, TerminalError> {
        if let Some(passphrase) = from_env()? {
            return Ok(passphrase);
        }
        let first = self.ask_secret(Msg::NewPassphrasePrompt)?;
        let second = self.ask_secret(Msg::RepeatPassphrasePrompt)?;
        if *first != *second {
            return Err(TerminalError::PassphraseMismatch);
        }
        Ok(first)
    }

    /// Yes or no; anything but an explicit yes is a no. `assume_yes` is `--yes`.
    pub fn confirm(&self, question: Msg<'_>, assume_yes: bool) -> Result<bool, TerminalError> {
        if assume_yes {
            return Ok(true);
        }
        if !self.interactive {
            return Err(TerminalError::NeedsConfirmation);
        }
        let mut stderr = std::io::stderr().lock();
        write!(
            stderr,
            "{}{}",
            question.text(self.lang),
            Msg::YesNo.text(self.lang)
        )?;
        stderr.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_lowercase().as_str(),
            "y" | "yes" | "ya"
        ))
    }

    /// The number the browser shows, typed by the person who sees both screens.
    pub fn number(&self, prompt: Msg<'_>) -> Result<u32, TerminalError> {
        if !self.interactive {
            return Err(TerminalError::NeedsNumber);
        }
        let mut stderr = std::io::stderr().lock();
        write!(stderr, "{}", prompt.text(self.lang))?;
        stderr.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        let answer = answer.trim();
        answer
            .parse()
            .map_err(|_| TerminalError::NotANumber(answer.chars().take(20).collect()))
    }

    /// Tells the user something that is not the command's output (it goes to stderr so
    /// that stdout stays clean for scripts).
    pub fn note(&self, message: Msg<'_>) {
        let _ = writeln!(std::io::stderr().lock(), "{}", message.text(self.lang));
    }

    fn ask_secret(&self, prompt: Msg<'_>) -> Result<Zeroizing<String>, TerminalError> {
        if !self.interactive {
            return Err(TerminalError::NoTerminal);
        }
        let answer = Zeroizing::new(rpassword::prompt_password(prompt.text(self.lang))?);
        if answer.is_empty() {
            return Err(TerminalError::PassphraseEmpty);
        }
        Ok(answer)
    }
}

fn from_env() -> Result<Option<Zeroizing<String>>, TerminalError> {
    match std::env::var_os(PASSPHRASE_VAR) {
        None => Ok(None),
        Some(value) => match value.into_string() {
            Ok(text) if !text.is_empty() => Ok(Some(Zeroizing::new(text))),
            _ => Err(TerminalError::PassphraseEmpty),
        },
    }
}
