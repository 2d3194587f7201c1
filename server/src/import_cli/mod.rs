//! `spse-auth user import FILE [--dry-run] [--skip-invalid] [--no-invite]`: the accounts
//! an LPSE already has, from a CSV or JSON-lines file, with their password hashes.

mod read;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use spse_i18n::Texts;
use spse_usecases::{
    Auth, Client, HashFormatError, ImportCounts, ImportPlan, RowAction, RowError, RowProblem, Staff,
};

use read::FileError;

#[derive(Args)]
pub(crate) struct ImportArgs {
    /// CSV with a header row, or JSON lines (one object a line): user_id, kind, email,
    /// name, and optionally role and password_hash (bcrypt, Django's pbkdf2_sha256, argon2).
    file: PathBuf,
    /// Only check the file, and tell what an import would do.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows and list the others (without it, one bad row stops all).
    #[arg(long)]
    skip_invalid: bool,
    /// Mail no invitation to new accounts that come without a password hash.
    #[arg(long)]
    no_invite: bool,
}

pub(crate) async fn run(
    auth: &Auth,
    staff: &Staff,
    args: &ImportArgs,
    t: Texts,
) -> anyhow::Result<()> {
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file)
        .with_context(|| t.fill("import_cannot_open", &[("file", &file)]))?;
    let read = read::read(&args.file, &bytes).map_err(|e| file_error(t, &file, e))?;
    drop(bytes);
    let plan = auth.plan_import(staff, read.rows, read.unreadable).await?;
    for error in &plan.errors {
        eprintln!("{}", row_error(t, error));
    }
    let invite = !args.no_invite;
    let blocked = !plan.errors.is_empty() && !args.skip_invalid;
    if args.dry_run {
        print_changes(t, &plan, true);
        let counts = plan.counts(invite);
        println!("{}", summary(t, "import_dry_run_summary", counts));
    }
    if blocked {
        anyhow::bail!(
            "{}",
            t.fill(
                "import_nothing_written",
                &[("count", &plan.errors.len().to_string())]
            )
        );
    }
    if args.dry_run {
        return Ok(());
    }
    let client = Client {
        ip: "local".into(),
        user_agent: "spse-auth command line".into(),
        trusted_browser: None,
    };
    let bar = progress_bar(t, plan.rows.len() as u64);
    let applied = auth
        .apply_import(staff, &plan, invite, &client, |rows| bar.inc(rows))
        .await;
    bar.finish_and_clear();
    let counts = match applied {
        Ok(counts) => counts,
        Err(failed) => {
            println!("{}", summary(t, "import_summary", failed.done));
            anyhow::bail!(
                "{}",
                t.fill("import_stopped", &[("why", &failed.source.to_string())])
            );
        }
    };
    print_changes(t, &plan, false);
    println!("{}", summary(t, "import_summary", counts));
    if counts.invited > 0 {
        println!("{}", t.get("import_invitations_queued"));
    }
    Ok(())
}

fn progress_bar(t: Texts, rows: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(rows), ProgressDrawTarget::stderr());
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let template = format!(
        "{{bar:40}} {{pos}}/{{len}} {}",
        t.get("import_progress_rows")
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Each row that updates an account, and each whose role the import leaves as it is.
fn print_changes(t: Texts, plan: &ImportPlan, dry_run: bool) {
    for row in &plan.rows {
        let line = row.line.to_string();
        let user_id = row.user_id.as_str();
        if let RowAction::Update(fields) = &row.action {
            let fields: Vec<&str> = fields
                .iter()
                .map(|f| match f {
                    spse_usecases::Field::Kind => t.get("import_field_kind"),
                    spse_usecases::Field::Email => t.get("import_field_email"),
                    spse_usecases::Field::Name => t.get("import_field_name"),
                })
                .collect();
            let pairs = [
                ("line", line.as_str()),
                ("user_id", user_id),
                ("fields", &fields.join(", ")),
            ];
            let text = if dry_run {
                t.fill("import_would_update", &pairs)
            } else {
                t.fill("import_updated", &pairs)
            };
            println!("{text}");
        }
        if let Some(role) = row.role_kept {
            println!(
                "{}",
                t.fill(
                    "import_role_kept",
                    &[
                        ("line", &line),
                        ("user_id", user_id),
                        ("role", role.as_str())
                    ]
                )
            );
        }
    }
}

fn summary(t: Texts, key: &str, counts: ImportCounts) -> String {
    t.fill(
        key,
        &[
            ("added", &counts.added.to_string()),
            ("updated", &counts.updated.to_string()),
            ("unchanged", &counts.unchanged.to_string()),
            ("invited", &counts.invited.to_string()),
            ("refused", &counts.refused.to_string()),
        ],
    )
}

fn row_error(t: Texts, error: &RowError) -> String {
    let why = match &error.problem {
        RowProblem::Unreadable(reason) => t.fill("import_unreadable_row", &[("why", reason)]),
        RowProblem::UserId => t.get("import_bad_user_id").to_string(),
        RowProblem::Kind => t.get("import_bad_kind").to_string(),
        RowProblem::Email => t.get("import_bad_email").to_string(),
        RowProblem::Name => t.get("import_bad_name").to_string(),
        RowProblem::Role => t.get("import_bad_role").to_string(),
        RowProblem::PasswordHash(HashFormatError::Unknown) => {
            t.get("import_hash_unknown").to_string()
        }
        RowProblem::PasswordHash(HashFormatError::Malformed(format)) => {
            t.fill("import_hash_malformed", &[("format", format.as_str())])
        }
        RowProblem::PasswordHash(HashFormatError::TooCostly(format)) => {
            t.fill("import_hash_too_costly", &[("format", format.as_str())])
        }
        RowProblem::Duplicate { first_line } => t.fill(
            "import_duplicate",
            &[("first_line", &first_line.to_string())],
        ),
    };
    let line = error.line.to_string();
    if error.user_id.is_empty() {
        t.fill("import_row_error", &[("line", &line), ("why", &why)])
    } else {
        t.fill(
            "import_row_error_user",
            &[("line", &line), ("user_id", &error.user_id), ("why", &why)],
        )
    }
}

fn file_error(t: Texts, file: &str, e: FileError) -> anyhow::Error {
    let columns = format!(
        "{}; {}",
        read::REQUIRED.join(", "),
        read::OPTIONAL.join(", ")
    );
    let message = match e {
        FileError::Unreadable(why) => {
            t.fill("import_unreadable_file", &[("file", file), ("why", &why)])
        }
        FileError::MissingColumn(column) => t.fill(
            "import_missing_column",
            &[("column", &column), ("columns", &columns)],
        ),
        FileError::UnknownColumn(column) => t.fill(
            "import_unknown_column",
            &[("column", &column), ("columns", &columns)],
        ),
        FileError::Empty => t.fill("import_empty", &[("file", file)]),
    };
    anyhow::anyhow!(message)
}
