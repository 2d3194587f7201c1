//! `pending`: the logins waiting for approval, never with their number.

use serde::Serialize;
use spse_protocol::api::PendingApproval;

use super::approvals::{self, PushAccount};
use super::{Context, Error};
use crate::cli::PendingArgs;
use crate::describe;
use crate::messages::{Msg, shown};

/// One line of `--json`: which account, and what the server said about the login.
#[derive(Serialize)]
struct JsonLine<'a> {
    issuer: &'a str,
    account: &'a str,
    id: &'a str,
    created_at: i64,
    expires_at: i64,
    ip: &'a str,
    user_agent: &'a str,
}

/// Each account is asked on its own: one that cannot be asked (server down, device
/// revoked) is reported on stderr and the others are still listed, but the exit status
/// says not everything was seen.
pub fn run(args: PendingArgs, ctx: &Context) -> Result<(), Error> {
    let store = ctx.open_existing()?;
    let accounts: Vec<PushAccount> = match (&args.account, &store) {
        (Some(query), Some(store)) => vec![approvals::named(ctx, store, query)?],
        (Some(query), None) => {
            return Err(crate::accounts::LookupError::Unknown(query.trim().to_string()).into());
        }
        (None, Some(store)) => store
            .accounts
            .iter()
            .filter(|a| a.push_enabled())
            .map(|a| PushAccount::new(ctx, a))
            .collect::<Result<_, _>>()?,
        (None, None) => Vec::new(),
    };
    if accounts.is_empty() && !args.json {
        return ctx.say(&Msg::NoPushAccounts.text(ctx.lang));
    }

    let now = ctx.now();
    let mut found: Vec<(&PushAccount, PendingApproval)> = Vec::new();
    let mut failed = 0;
    for account in &accounts {
        match account.pending(now) {
            Ok(list) => found.extend(list.into_iter().map(|a| (account, a))),
            Err(err) if accounts.len() == 1 => return Err(Error::Server(err)),
            Err(err) => {
                failed += 1;
                ctx.terminal.note(Msg::AccountFailed {
                    label: &account.label,
                    reason: &crate::messages::error(&Error::Server(err), ctx.lang),
                });
            }
        }
    }
    found.sort_by_key(|(_, a)| std::cmp::Reverse(a.created_at));

    if args.json {
        print_json(ctx, &found)?;
    } else if found.is_empty() {
        ctx.say(&Msg::NothingPendingAnywhere.text(ctx.lang))?;
    } else {
        print_table(ctx, &found)?;
    }
    match failed {
        0 => Ok(()),
        n => Err(Error::PendingIncomplete(n)),
    }
}

fn print_json(ctx: &Context, found: &[(&PushAccount, PendingApproval)]) -> Result<(), Error> {
    let lines: Vec<JsonLine> = found
        .iter()
        .map(|(account, a)| JsonLine {
            issuer: &account.issuer,
            account: &account.name,
            id: &a.id,
            created_at: a.created_at,
            expires_at: a.expires_at,
            ip: &a.ip,
            user_agent: &a.user_agent,
        })
        .collect();
    let text = serde_json::to_string_pretty(&lines)
        .map_err(|e| Error::Output(std::io::Error::other(e)))?;
    ctx.say(&text)
}

fn print_table(ctx: &Context, found: &[(&PushAccount, PendingApproval)]) -> Result<(), Error> {
    let header = [
        Msg::ColumnAccount,
        Msg::ColumnTime,
        Msg::ColumnIp,
        Msg::ColumnBrowser,
    ]
    .map(|m| m.text(ctx.lang));
    let rows: Vec<[String; 4]> = found
        .iter()
        .map(|(account, a)| {
            [
                shown(&account.name),
                describe::wib(a.created_at),
                shown(&a.ip),
                approvals::browser(ctx, &a.user_agent),
            ]
        })
        .collect();
    for line in super::list::table(&header, &rows) {
        ctx.say(&line)?;
    }
    ctx.say(&Msg::PendingHint.text(ctx.lang))
}
