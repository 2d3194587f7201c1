//! `spse-authenticator`: the companion authenticator of spse-auth, for the terminal.
//!
//! This file only wires the parts together; see `commands` for what each command does.

mod accounts;
mod api_client;
mod cli;
mod commands;
mod describe;
mod format;
mod messages;
mod qr;
mod store;
mod terminal;

use std::process::ExitCode;

use clap::Parser;
use spse_i18n::Lang;

use crate::cli::Cli;
use crate::commands::{Context, Error};
use crate::store::StoreFile;
use crate::terminal::Terminal;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli.lang.map_or_else(Lang::from_env, Lang::from);
    match run(cli, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("spse-authenticator: {}", messages::error(&err, lang));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, lang: Lang) -> Result<(), Error> {
    let path = cli
        .store
        .or_else(store::default_path)
        .ok_or(Error::NoStoreLocation)?;
    let ctx = Context {
        lang,
        store: StoreFile::new(path),
        terminal: Terminal::detect(lang),
        now: cli.now,
    };
    commands::run(cli.command, &ctx)
}
