//! `spse-auth client add | list | show | remove | rotate-secret`: registering the
//! modules that log in through spse-auth (OpenID Connect clients).

use clap::{Args, Subcommand};

use crate::config::Settings;
use spse_i18n::Texts;
use spse_usecases::{Auth, ClientError, ClientView, NewClientInput, Staff, UriProblem};

#[derive(Subcommand)]
pub(crate) enum ClientCommand {
    /// Register a module. A confidential client's secret is printed once.
    Add(ClientAddArgs),
    /// List every registered module.
    List,
    /// Show one module.
    Show { client_id: String },
    /// Remove a module: it can no longer start a login or redeem a code.
    Remove { client_id: String },
    /// Give a confidential client a new secret (printed once); the old one stops at once.
    RotateSecret {
        client_id: String,
        /// Print `{"client_id": .., "client_secret": ..}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub(crate) struct ClientAddArgs {
    /// Name of the module, e.g. "Daftar Paket".
    #[arg(long)]
    name: String,
    /// Where the login returns to; matched exactly. https, or http on a loopback address
    /// only. Repeat for more than one.
    #[arg(long = "redirect-uri", value_name = "URI", required = true)]
    redirect_uris: Vec<String>,
    /// A public client (single-page or native app): no secret, PKCE only.
    #[arg(long)]
    public: bool,
    /// Where the module is told that a user's sessions ended (OpenID Back-Channel Logout).
    #[arg(long, value_name = "URI")]
    backchannel_logout_uri: Option<String>,
    /// The module's start page, listed on BERANDA.
    #[arg(long, value_name = "URL")]
    home_url: Option<String>,
    /// Print `{"client_id": .., "client_secret": ..}` for scripts.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(
    auth: &Auth,
    settings: &Settings,
    staff: &Staff,
    command: &ClientCommand,
    t: Texts,
) -> anyhow::Result<()> {
    let fail = |e| client_error(t, e);
    match command {
        ClientCommand::Add(args) => {
            let added = auth
                .add_client(
                    staff,
                    NewClientInput {
                        name: args.name.clone(),
                        redirect_uris: args.redirect_uris.clone(),
                        public: args.public,
                        backchannel_logout_uri: args.backchannel_logout_uri.clone(),
                        home_url: args.home_url.clone(),
                    },
                )
                .await
                .map_err(fail)?;
            let secret = added.secret.as_ref().map(|s| s.expose().as_str());
            if args.json {
                print_json(&added.client.client_id, secret);
            } else {
                println!(
                    "{}",
                    t.fill("cli_client_added", &[("name", &added.client.name)])
                );
                println!("client_id      {}", added.client.client_id);
                match secret {
                    Some(secret) => {
                        println!("client_secret  {secret}");
                        println!("{}", t.get("cli_client_secret_once"));
                    }
                    None => println!("{}", t.get("cli_client_public")),
                }
            }
        }
        ClientCommand::List => {
            let clients = auth.list_clients(staff).await.map_err(fail)?;
            if clients.is_empty() {
                println!("{}", t.get("cli_no_clients"));
                return Ok(());
            }
            println!(
                "{:<32} {:<12} {:<30} REDIRECT URIS",
                "CLIENT ID", "TYPE", "NAME"
            );
            for client in clients {
                println!(
                    "{:<32} {:<12} {:<30} {}",
                    client.client_id,
                    kind(&client),
                    client.name,
                    client.redirect_uris.join(" ")
                );
            }
        }
        ClientCommand::Show { client_id } => {
            let client = auth.show_client(staff, client_id).await.map_err(fail)?;
            let zone = &settings.zone;
            println!("Client ID      {}", client.client_id);
            println!("Name           {}", client.name);
            println!("Type           {}", kind(&client));
            for uri in &client.redirect_uris {
                println!("Redirect URI   {uri}");
            }
            let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
            println!("Logout URI     {}", or_dash(&client.backchannel_logout_uri));
            println!("Home URL       {}", or_dash(&client.home_url));
            println!("Created        {}", zone.minutes(client.created_at));
            let rotated = client.secret_rotated_at.map(|at| zone.minutes(at));
            println!("Secret rotated {}", or_dash(&rotated));
        }
        ClientCommand::Remove { client_id } => {
            auth.remove_client(staff, client_id).await.map_err(fail)?;
            println!(
                "{}",
                t.fill("cli_client_removed", &[("client_id", client_id)])
            );
        }
        ClientCommand::RotateSecret { client_id, json } => {
            let secret = auth
                .rotate_client_secret(staff, client_id)
                .await
                .map_err(fail)?;
            if *json {
                print_json(client_id, Some(secret.expose()));
            } else {
                println!(
                    "{}",
                    t.fill("cli_client_rotated", &[("client_id", client_id)])
                );
                println!("client_secret  {}", secret.expose());
                println!("{}", t.get("cli_client_secret_once"));
            }
        }
    }
    Ok(())
}

fn kind(client: &ClientView) -> &'static str {
    if client.public {
        "public"
    } else {
        "confidential"
    }
}

fn print_json(client_id: &str, secret: Option<&str>) {
    println!(
        "{}",
        serde_json::json!({"client_id": client_id, "client_secret": secret})
    );
}

/// A client error in the operator's language.
fn client_error(t: Texts, e: ClientError) -> anyhow::Error {
    let uri_message = |key: &str, uri: &str, problem: UriProblem| {
        let why = t.get(match problem {
            UriProblem::Malformed => "cli_uri_malformed",
            UriProblem::Scheme => "cli_uri_scheme",
            UriProblem::Fragment => "cli_uri_fragment",
            UriProblem::Credentials => "cli_uri_credentials",
            UriProblem::Wildcard => "cli_uri_wildcard",
        });
        t.fill(key, &[("uri", uri), ("why", why)])
    };
    let message = match &e {
        ClientError::Name => t.get("cli_bad_name").to_string(),
        ClientError::NoRedirectUri => t.get("cli_client_no_redirect").to_string(),
        ClientError::RedirectUri { uri, problem } => {
            uri_message("cli_client_bad_redirect", uri, *problem)
        }
        ClientError::BackchannelUri { uri, problem } => {
            uri_message("cli_client_bad_logout_uri", uri, *problem)
        }
        ClientError::HomeUrl { uri, problem } => {
            uri_message("cli_client_bad_home_url", uri, *problem)
        }
        ClientError::NotFound => t.get("cli_client_not_found").to_string(),
        ClientError::PublicClient => t.get("cli_client_public_no_secret").to_string(),
        ClientError::Auth(inner) => inner.to_string(),
    };
    anyhow::anyhow!(message)
}
