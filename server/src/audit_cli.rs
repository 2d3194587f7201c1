//! `spse-auth audit verify | export | prune`: what an operator runs to prove the access
//! log intact and hand it over.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::config::Settings;
use spse_domain::event::{EventKind, Outcome};
use spse_domain::user::UserId;
use spse_i18n::Texts;
use spse_store::{ChainRow, EventFilter};
use spse_usecases::{Auth, UNSEALED_BOUND_SECS};

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Check every entry's hash link; exits 1 naming the first broken entry.
    Verify,
    /// Write entries to a file (CSV or JSON), e.g. for a procurement dispute.
    Export(ExportArgs),
    /// Delete entries older than SPSE_AUDIT_RETENTION_DAYS now (the server also does
    /// this every few minutes); what remains still verifies.
    Prune,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ExportFormat {
    Csv,
    Json,
}

#[derive(Args)]
pub(crate) struct ExportArgs {
    /// Only this user's entries (case-insensitive).
    #[arg(long, value_name = "ID")]
    pub(crate) user: Option<String>,
    /// Only entries from this day on (YYYY-MM-DD, in SPSE_TIMEZONE).
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<String>,
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormat,
    /// File to write; default access-log.csv or access-log.json here.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

pub(crate) async fn run(
    auth: &Auth,
    settings: &Settings,
    command: &AuditCommand,
    t: Texts,
) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify => match auth.verify_log().await? {
            Ok(report) => {
                println!(
                    "{}",
                    t.plural(
                        "cli_audit_intact",
                        report.entries,
                        &[
                            ("head", &report.head_seq.to_string()),
                            ("hash", &report.head_hash),
                            ("anchor", &report.anchor_seq.to_string()),
                        ]
                    )
                );
                if report.unsealed > 0 {
                    let oldest = report
                        .oldest_unsealed
                        .map(|at| settings.zone.seconds(at))
                        .unwrap_or_default();
                    let fill = [("oldest", oldest.as_str())];
                    if report.overdue {
                        let minutes = (UNSEALED_BOUND_SECS / 60).to_string();
                        anyhow::bail!(
                            "{}",
                            t.plural(
                                "cli_audit_overdue",
                                report.unsealed,
                                &[("oldest", oldest.as_str()), ("minutes", &minutes)]
                            )
                        );
                    }
                    println!("{}", t.plural("cli_audit_unsealed", report.unsealed, &fill));
                }
            }
            Err(broken) => anyhow::bail!(
                "{}",
                t.fill("cli_audit_broken", &[("what", &broken.to_string())])
            ),
        },
        AuditCommand::Export(args) => export(auth, settings, args, t).await?,
        AuditCommand::Prune => {
            let removed = auth.prune_log().await?;
            println!("{}", t.plural("cli_audit_pruned", removed, &[]));
        }
    }
    Ok(())
}

async fn export(
    auth: &Auth,
    settings: &Settings,
    args: &ExportArgs,
    t: Texts,
) -> anyhow::Result<()> {
    let mut filter = EventFilter::default();
    if let Some(user) = &args.user {
        filter.user_key = UserId::parse(user)
            .map_err(|_| anyhow::anyhow!("{}", t.get("error_invalid_user_id")))?
            .key();
    }
    if let Some(since) = &args.since {
        filter.from = Some(
            settings
                .zone
                .start_of_day(since)
                .ok_or_else(|| anyhow::anyhow!("{}", t.get("cli_bad_date")))?,
        );
    }
    let rows = auth.export_log(&filter).await?;
    let verified = auth.verify_log().await?;
    let (text, default_name) = match args.format {
        ExportFormat::Csv => (csv(settings, &rows), "access-log.csv"),
        ExportFormat::Json => (json(settings, args, &rows, &verified)?, "access-log.json"),
    };
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_name));
    std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    println!(
        "{}",
        t.plural(
            "cli_audit_exported",
            rows.len() as u64,
            &[("file", &path.display().to_string())]
        )
    );
    if let Err(broken) = verified {
        anyhow::bail!(
            "{}",
            t.fill("cli_audit_broken", &[("what", &broken.to_string())])
        );
    }
    Ok(())
}

fn utc(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn result_of(event: &str) -> &'static str {
    match EventKind::parse(event).map(EventKind::outcome) {
        Some(Outcome::Success) => "success",
        Some(Outcome::Failure) => "failure",
        Some(Outcome::Notice) | None => "notice",
    }
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does not run it.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv(settings: &Settings, rows: &[ChainRow]) -> String {
    let mut out =
        String::from("seq,time_utc,time_local,user_id,event,result,ip,user_agent,detail,hash\r\n");
    for row in rows {
        let e = &row.event;
        let fields = [
            row.seq.to_string(),
            utc(e.at),
            settings.zone.seconds(e.at),
            e.user_id.clone(),
            e.event.as_str().to_string(),
            result_of(e.event.as_str()).to_string(),
            e.ip.clone(),
            e.user_agent.clone(),
            e.detail.clone(),
            row.hash.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        let _ = write!(out, "{}\r\n", line.join(","));
    }
    out
}

fn json(
    settings: &Settings,
    args: &ExportArgs,
    rows: &[ChainRow],
    verified: &Result<spse_usecases::VerifyReport, spse_domain::audit::Break>,
) -> anyhow::Result<String> {
    let entries: Vec<_> = rows
        .iter()
        .map(|row| {
            let e = &row.event;
            serde_json::json!({
                "seq": row.seq,
                "time_utc": utc(e.at),
                "time_local": settings.zone.seconds(e.at),
                "unix_time": e.at,
                "user_id": e.user_id,
                "event": e.event.as_str(),
                "result": result_of(e.event.as_str()),
                "ip": e.ip,
                "user_agent": e.user_agent,
                "detail": e.detail,
                "hash": row.hash,
            })
        })
        .collect();
    let chain = match verified {
        Ok(report) => serde_json::json!({
            "intact": true,
            "entries": report.entries,
            "head_seq": report.head_seq,
            "head_hash": report.head_hash,
            "anchor_seq": report.anchor_seq,
            "unsealed": report.unsealed,
            "overdue": report.overdue,
        }),
        Err(broken) => serde_json::json!({ "intact": false, "first_break": broken.to_string() }),
    };
    let document = serde_json::json!({
        "format": "spse-auth access log export v1",
        "hash": "SHA-256 over the previous entry's hash and this entry's fields (see README)",
        "zone": settings.zone.label(),
        "filter": { "user": args.user, "since": args.since },
        "chain": chain,
        "entries": entries,
    });
    Ok(serde_json::to_string_pretty(&document)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
