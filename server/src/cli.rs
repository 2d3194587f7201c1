//! The `spse-auth` command line: `serve`, `migrate`, `user ...`, `audit ...`, `client ...`, `scim ...`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::app::{Application, StartError, open_auth, public_url_for};
use crate::audit_cli::AuditCommand;
use crate::client_cli::ClientCommand;
use crate::config::{RawSettings, Settings};
use crate::keys_cli::KeysCommand;
use crate::scim_cli::ScimCommand;
use crate::user_cli::user_error;
use spse_domain::clock::SystemClock;
use spse_domain::token;
use spse_domain::user::{Role, UserKind};
use spse_i18n::{Lang, Texts};
use spse_usecases::secrets::SecretsError;
use spse_usecases::{Auth, NewUserInput, Staff, UserError};

#[derive(Parser)]
#[command(
    name = "spse-auth",
    version,
    about = "SPSE login with TOTP: web server and admin commands"
)]
pub struct Cli {
    /// Settings file (TOML, `key = value`); every key can also be set as SPSE_<KEY>.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory: SQLite file, key file, mail outbox (SPSE_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(crate::user_cli::UserCommand),
    /// Prove the access log intact, export it, apply retention.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Register the modules that log in through spse-auth (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
    /// The OpenID Provider's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// SCIM 2.0 provisioning (at <PUBLIC_URL>/scim/v2): its bearer tokens.
    #[command(subcommand)]
    Scim(ScimCommand),
}

#[derive(Args)]
struct ServeArgs {
    /// Training mode: create demo accounts, print their passwords, mail only to the outbox,
    /// and mark every page and mail "MODE LATIHAN".
    #[arg(long)]
    demo: bool,
    /// Address to listen on (SPSE_LISTEN), e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

/// Runs the command line and returns the process exit code.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let t = Texts::new(Lang::from_env());
    match run(cli, t).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e:#}", t.get("cli_error"));
            ExitCode::from(1)
        }
    }
}

fn settings(cli: &Cli, demo: bool, listen: Option<&str>) -> anyhow::Result<Settings> {
    let mut raw = match &cli.config {
        Some(path) => RawSettings::from_file(path)?,
        None => RawSettings::default(),
    };
    raw.overlay_env(std::env::vars())?;
    if let Some(dir) = &cli.data_dir {
        raw.set("data_dir", dir.display().to_string());
    }
    if let Some(listen) = listen {
        raw.set("listen", listen);
    }
    Ok(raw.resolve(demo)?)
}

async fn admin_auth(settings: &Settings, t: Texts) -> anyhow::Result<Auth> {
    let url = public_url_for(settings, settings.listen)?;
    open_auth(settings, Arc::new(SystemClock), url)
        .await
        .map_err(|e| start_error(t, e))
}

/// A start that failed, in the operator's language where the operator must act: a key
/// file that is missing or another one.
fn start_error(t: Texts, e: StartError) -> anyhow::Error {
    match &e {
        StartError::Secrets(SecretsError::Missing { path }) => {
            anyhow::anyhow!(t.fill("cli_key_missing", &[("path", path)]))
        }
        StartError::Secrets(SecretsError::Mismatch { path }) => {
            anyhow::anyhow!(t.fill("cli_key_mismatch", &[("path", path)]))
        }
        _ => e.into(),
    }
}

async fn run(cli: Cli, t: Texts) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => {
            let settings = settings(&cli, args.demo, args.listen.as_deref())?;
            crate::telemetry::init(settings.log_format);
            let app = Application::build(&settings, Arc::new(SystemClock))
                .await
                .map_err(|e| start_error(t, e))?;
            if settings.policy.demo {
                seed_demo(&app.auth(), &settings, t).await?;
            }
            let bound = app.local_addr().map_or_else(String::new, |a| a.to_string());
            let management = app
                .management_addr()
                .map_or_else(String::new, |a| a.to_string());
            tracing::info!(
                listen = %bound,
                public_url = %app.public_url(),
                management = %management,
                app_url = %app.app_url(),
                "spse-auth listening"
            );
            let url = app.public_url().as_str();
            eprintln!(
                "{}",
                t.fill("cli_listening", &[("url", url), ("listen", &bound)])
            );
            eprintln!(
                "{}",
                t.fill("cli_app_listening", &[("url", app.app_url().as_str())])
            );
            app.run_until_stopped().await.context("server")?;
        }
        Command::Migrate => {
            let settings = settings(&cli, false, None)?;
            spse_store::connect(&settings.database_url, true).await?;
            println!("{}", t.get("cli_migrated"));
        }
        Command::User(command) => {
            let settings = settings(&cli, false, None)?;
            let auth = admin_auth(&settings, t).await?;
            crate::user_cli::run(&auth, command, &settings.zone, t).await?;
        }
        Command::Audit(command) => {
            let settings = settings(&cli, false, None)?;
            let auth = admin_auth(&settings, t).await?;
            crate::audit_cli::run(&auth, &settings, command, t).await?;
        }
        Command::Client(command) => {
            let settings = settings(&cli, false, None)?;
            let auth = admin_auth(&settings, t).await?;
            crate::client_cli::run(&auth, &settings, &command_line_staff(), command, t).await?;
        }
        Command::Keys(command) => {
            let settings = settings(&cli, false, None)?;
            let auth = admin_auth(&settings, t).await?;
            crate::keys_cli::run(&auth, &settings, &command_line_staff(), command, t).await?;
        }
        Command::Scim(command) => {
            let settings = settings(&cli, false, None)?;
            let auth = admin_auth(&settings, t).await?;
            crate::scim_cli::run(&auth, &settings, &command_line_staff(), command, t).await?;
        }
    }
    Ok(())
}

/// Whoever runs this command on the server, by their login name.
pub(crate) fn command_line_staff() -> Staff {
    let login = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into());
    Staff::command_line(&login)
}

/// Demo accounts of both kinds with fresh passwords at every start, printed once.
async fn seed_demo(auth: &Auth, settings: &Settings, t: Texts) -> anyhow::Result<()> {
    let accounts = [
        (
            "PPK1",
            UserKind::NonPenyedia,
            "PPK Latihan Satu",
            "ppk1@latihan.lpse.invalid",
        ),
        (
            "penyedia1",
            UserKind::Penyedia,
            "CV Latihan Jaya",
            "penyedia1@latihan.lpse.invalid",
        ),
    ];
    println!("\n{}", t.get("cli_demo_heading"));
    for (user_id, kind, name, email) in accounts {
        let password = format!("latihan-{}", token::random_hex(5));
        let staff = command_line_staff();
        let user = match auth.find_account(&staff, user_id).await {
            Ok(user) => {
                auth.set_password(&staff, user_id, &password)
                    .await
                    .map_err(|e| user_error(t, e))?;
                user
            }
            Err(UserError::NotFound) => auth
                .add_user(NewUserInput {
                    user_id: user_id.into(),
                    kind,
                    email: email.into(),
                    name: name.into(),
                    role: Role::User,
                    password: password.clone().into(),
                })
                .await
                .map_err(|e| user_error(t, e))?,
            Err(e) => return Err(user_error(t, e)),
        };
        println!(
            "  {:<14} {:<10} password: {}",
            user.kind.as_str(),
            user.user_id,
            password
        );
    }
    println!(
        "{}\n",
        t.fill(
            "cli_demo_outbox",
            &[(
                "dir",
                &settings.data_dir.join("outbox").display().to_string()
            )]
        )
    );
    Ok(())
}
