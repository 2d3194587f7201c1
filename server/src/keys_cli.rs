//! `spse-auth keys rotate | list`: the OpenID Provider's signing keys.

use clap::Subcommand;

use crate::config::Settings;
use spse_i18n::Texts;
use spse_usecases::{Auth, Staff};

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Add a new signing key; the old one stays published until its tokens expired.
    Rotate,
    /// List the signing keys: which one signs, until when the retired ones are published.
    List,
}

pub(crate) async fn run(
    auth: &Auth,
    settings: &Settings,
    staff: &Staff,
    command: &KeysCommand,
    t: Texts,
) -> anyhow::Result<()> {
    let when = |at: i64| settings.zone.minutes(at);
    match command {
        KeysCommand::Rotate => {
            let kid = auth.rotate_signing_key(staff).await?;
            println!("{}", t.fill("cli_keys_rotated", &[("kid", &kid)]));
        }
        KeysCommand::List => {
            let keys = auth.list_signing_keys(staff).await?;
            if keys.is_empty() {
                println!("{}", t.get("cli_keys_none"));
            }
            for key in keys {
                let state = match key.published_until {
                    None => t.get("cli_keys_current").to_string(),
                    Some(until) => t.fill("cli_keys_retired", &[("until", &when(until))]),
                };
                println!(
                    "{}  {}  {}  {}",
                    key.kid,
                    key.alg,
                    when(key.created_at),
                    state
                );
            }
        }
    }
    Ok(())
}
