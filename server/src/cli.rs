//! The `spse-auth` command line: `serve`, `migrate`, `user ...`, `audit ...`, `client ...`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::{Application, StartError, open_auth, public_url_for};
use crate::audit_cli::AuditCommand;
use crate::client_cli::ClientCommand;
use crate::config::{RawSettings, Settings};
use crate::keys_cli::KeysCommand;
use spse_domain::clock::SystemClock;
use spse_domain::password::PasswordError;
use spse_domain::token;
use spse_domain::user::{Role, UserKind};
use spse_domain::zone::Zone;
use spse_i18n::{Lang, Texts};
use spse_usecases::secrets::SecretsError;
use spse_usecases::{Account, Auth, Client, NewUserInput, Staff, StaffAction, UserError};

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
    User(UserCommand),
    /// Prove the access log intact, export it, apply retention.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Register the modules that log in through spse-auth (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
    /// The OpenID Provider's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
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

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is asked twice, or read from stdin.
    Add(AddArgs),
    /// List every account.
    List,
    /// Show one account.
    Show {
        /// The user ID (case-insensitive).
        user_id: String,
    },
    /// Take TOTP off an account (lost phone, FAQ 5): it activates again at the next
    /// login. Ends the user's sessions; the user is told by email.
    ResetTotp { user_id: String },
    /// Lift the password and TOTP-code locks of an account.
    Unlock { user_id: String },
    /// Disable an account and end its sessions.
    Disable { user_id: String },
    /// Enable a disabled account.
    Enable { user_id: String },
    /// Mail a link to choose a new password to the address on file (staff never see it).
    SendPasswordLink { user_id: String },
    /// Import accounts from a CSV or JSON-lines file, keeping their password hashes.
    Import(crate::import_cli::ImportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Penyedia,
    NonPenyedia,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    User,
    Helpdesk,
    Admin,
}

#[derive(Args)]
struct AddArgs {
    /// User ID: letters, digits, `.`, `_`, `-`; at most 64.
    #[arg(long)]
    user_id: String,
    /// Kind of account.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Email address on file (reset links go only there).
    #[arg(long)]
    email: String,
    /// Name shown on pages.
    #[arg(long)]
    name: String,
    /// Role beyond logging in.
    #[arg(long, value_enum, default_value = "user")]
    role: RoleArg,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    password_stdin: bool,
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
            user_command(&auth, command, &settings.zone, t).await?;
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
    }
    Ok(())
}

async fn user_command(
    auth: &Auth,
    command: &UserCommand,
    zone: &Zone,
    t: Texts,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => {
            let password = read_new_password(args.password_stdin, t)?;
            let input = NewUserInput {
                user_id: args.user_id.clone(),
                kind: match args.kind {
                    KindArg::Penyedia => UserKind::Penyedia,
                    KindArg::NonPenyedia => UserKind::NonPenyedia,
                },
                email: args.email.clone(),
                name: args.name.clone(),
                role: match args.role {
                    RoleArg::User => Role::User,
                    RoleArg::Helpdesk => Role::Helpdesk,
                    RoleArg::Admin => Role::Admin,
                },
                password: password.into(),
            };
            let user = auth.add_user(input).await.map_err(|e| user_error(t, e))?;
            println!(
                "{}",
                t.fill("cli_user_added", &[("user_id", &user.user_id)])
            );
        }
        UserCommand::List => {
            let users = auth
                .list_accounts(&command_line_staff())
                .await
                .map_err(|e| user_error(t, e))?;
            if users.is_empty() {
                println!("{}", t.get("cli_no_users"));
            }
            println!(
                "{:<20} {:<13} {:<8} {:<9} {:<30} NAME",
                "USER ID", "KIND", "ROLE", "TOTP", "EMAIL"
            );
            for user in users {
                println!(
                    "{:<20} {:<13} {:<8} {:<9} {:<30} {}",
                    user.user_id,
                    user.kind.as_str(),
                    user.role.as_str(),
                    totp_word(t, &user),
                    user.email,
                    user.name
                );
            }
        }
        UserCommand::Show { user_id } => {
            let user = auth
                .find_account(&command_line_staff(), user_id)
                .await
                .map_err(|e| user_error(t, e))?;
            let now = auth.now();
            let lock = |until: i64| {
                if until > now {
                    zone.minutes(until)
                } else {
                    "-".into()
                }
            };
            println!("User ID        {}", user.user_id);
            println!("Kind           {}", user.kind.as_str());
            println!("Name           {}", user.name);
            println!("Email          {}", user.email);
            println!("Role           {}", user.role.as_str());
            println!("TOTP           {}", totp_word(t, &user));
            println!(
                "Disabled       {}",
                if user.disabled { "yes" } else { "no" }
            );
            println!("Password lock  {}", lock(user.password_locked_until));
            println!("TOTP lock      {}", lock(user.totp_locked_until));
            println!("Created        {}", zone.minutes(user.created_at));
        }
        UserCommand::ResetTotp { user_id } => {
            staff_command(auth, user_id, StaffAction::ResetTotp, t).await?;
        }
        UserCommand::Unlock { user_id } => {
            staff_command(auth, user_id, StaffAction::Unlock, t).await?;
        }
        UserCommand::Disable { user_id } => {
            staff_command(auth, user_id, StaffAction::Disable, t).await?;
        }
        UserCommand::Enable { user_id } => {
            staff_command(auth, user_id, StaffAction::Enable, t).await?;
        }
        UserCommand::SendPasswordLink { user_id } => {
            crate::password_link_cli::send(auth, &command_line_staff(), user_id, t).await?;
        }
        UserCommand::Import(args) => {
            crate::import_cli::run(auth, &command_line_staff(), args, t).await?;
        }
    }
    Ok(())
}

/// Whoever runs this command on the server, by their login name.
fn command_line_staff() -> Staff {
    let login = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into());
    Staff::command_line(&login)
}

/// A helpdesk action from the command line, logged as `cli:<login>`. The notice is
/// delivered before the command exits (no worker runs in this process); if delivery
/// fails it stays queued for the server's worker.
async fn staff_command(
    auth: &Auth,
    user_id: &str,
    action: StaffAction,
    t: Texts,
) -> anyhow::Result<()> {
    let staff = command_line_staff();
    let client = Client {
        ip: "local".into(),
        user_agent: "spse-auth command line".into(),
        trusted_browser: None,
    };
    let user = auth
        .staff_act(&staff, user_id, action, &client)
        .await
        .map_err(|e| user_error(t, e))?;
    if let Err(e) = auth.deliver_due_mail().await {
        tracing::warn!(error = %e, "notice left in the mail queue");
    }
    let pairs = [("user_id", user.user_id.as_str())];
    let message = match action {
        StaffAction::ResetTotp => t.fill("cli_totp_reset", &pairs),
        StaffAction::Unlock => t.fill("cli_unlocked", &pairs),
        StaffAction::Disable => t.fill("cli_disabled", &pairs),
        StaffAction::Enable => t.fill("cli_enabled", &pairs),
    };
    println!("{message}");
    Ok(())
}

fn totp_word(t: Texts, user: &Account) -> &'static str {
    if user.totp_active {
        t.get("totp_status_active")
    } else {
        t.get("totp_status_inactive")
    }
}

/// A user error in the operator's language.
pub(crate) fn user_error(t: Texts, e: UserError) -> anyhow::Error {
    let message = match &e {
        UserError::UserId(_) => t.get("error_invalid_user_id").to_string(),
        UserError::Email => t.get("cli_bad_email").to_string(),
        UserError::Name => t.get("cli_bad_name").to_string(),
        UserError::Password(reason) => password_message(t, reason).to_string(),
        UserError::Duplicate => t.get("cli_duplicate").to_string(),
        UserError::NotFound => t.get("cli_not_found").to_string(),
        UserError::Auth(inner) => inner.to_string(),
    };
    anyhow::anyhow!(message)
}

/// Why a new password was refused, in words.
pub fn password_message(t: Texts, reason: &PasswordError) -> &'static str {
    match reason {
        PasswordError::TooShort => t.get("password_too_short"),
        PasswordError::TooLong => t.get("password_too_long"),
        PasswordError::Common => t.get("password_common"),
        PasswordError::ContainsUserId => t.get("password_contains_user_id"),
    }
}

fn read_new_password(from_stdin: bool, t: Texts) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("stdin")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{}", t.get("cli_password_needs_terminal"));
    }
    let first =
        rpassword::prompt_password(format!("{}: ", t.get("field_password"))).context("terminal")?;
    let second = rpassword::prompt_password(format!("{}: ", t.get("cli_password_again")))
        .context("terminal")?;
    if first != second {
        anyhow::bail!("{}", t.get("cli_password_mismatch"));
    }
    Ok(first)
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
