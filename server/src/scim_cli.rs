//! `spse-auth scim token add NAME | list | revoke NAME`: the bearer tokens the
//! procurement system provisions accounts with (SCIM 2.0 at `<PUBLIC_URL>/scim/v2`).

use clap::Subcommand;

use crate::config::Settings;
use spse_i18n::Texts;
use spse_usecases::scim::ScimTokenError;
use spse_usecases::{Auth, Client, Staff};

#[derive(Subcommand)]
pub(crate) enum ScimCommand {
    /// Provisioning tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Add a token and print it once (only its hash is stored).
    Add {
        /// A name for the client that holds it, e.g. "sirup".
        name: String,
    },
    /// List the tokens: names, who added them, when last used.
    List,
    /// Revoke a token: it stops working at once.
    Revoke { name: String },
}

pub(crate) async fn run(
    auth: &Auth,
    settings: &Settings,
    staff: &Staff,
    command: &ScimCommand,
    t: Texts,
) -> anyhow::Result<()> {
    let client = Client {
        ip: "local".into(),
        user_agent: "spse-auth command line".into(),
        trusted_browser: None,
    };
    let fail = |e| token_error(t, e);
    let ScimCommand::Token(command) = command;
    match command {
        TokenCommand::Add { name } => {
            let token = auth
                .add_scim_token(staff, name, &client)
                .await
                .map_err(fail)?;
            println!("{}", t.fill("cli_scim_token_added", &[("name", name)]));
            println!("{}", token.expose());
            println!("{}", t.get("cli_scim_token_once"));
        }
        TokenCommand::List => {
            let tokens = auth.list_scim_tokens(staff).await.map_err(fail)?;
            if tokens.is_empty() {
                println!("{}", t.get("cli_scim_no_tokens"));
                return Ok(());
            }
            println!("{:<24} {:<20} {:<20} LAST USED", "NAME", "ADDED", "BY");
            for token in tokens {
                let used = token.last_used_at.map_or_else(
                    || t.get("cli_scim_never_used").to_string(),
                    |at| settings.zone.minutes(at),
                );
                println!(
                    "{:<24} {:<20} {:<20} {used}",
                    token.name,
                    settings.zone.minutes(token.created_at),
                    token.created_by
                );
            }
        }
        TokenCommand::Revoke { name } => {
            auth.revoke_scim_token(staff, name, &client)
                .await
                .map_err(fail)?;
            println!("{}", t.fill("cli_scim_token_revoked", &[("name", name)]));
        }
    }
    Ok(())
}

/// A token error in the operator's language.
fn token_error(t: Texts, e: ScimTokenError) -> anyhow::Error {
    let message = match &e {
        ScimTokenError::Name => t.get("cli_scim_token_bad_name").to_string(),
        ScimTokenError::Duplicate => t.get("cli_scim_token_duplicate").to_string(),
        ScimTokenError::NotFound => t.get("cli_scim_token_not_found").to_string(),
        ScimTokenError::Auth(inner) => inner.to_string(),
    };
    anyhow::anyhow!(message)
}
