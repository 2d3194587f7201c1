//! `spse-auth user ...`: accounts from the command line. Staff actions are logged under
//! the operator's login name, as the console logs its staff.

use std::io::{BufRead, IsTerminal};

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};

use crate::cli::command_line_staff;
use spse_domain::password::PasswordError;
use spse_domain::user::{Role, UserKind};
use spse_domain::zone::Zone;
use spse_i18n::Texts;
use spse_usecases::{Account, Auth, Client, NewUserInput, StaffAction, UserError};

#[derive(Subcommand)]
pub(crate) enum UserCommand {
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
pub(crate) struct AddArgs {
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

pub(crate) async fn run(
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
