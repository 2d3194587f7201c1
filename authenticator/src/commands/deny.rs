//! `deny`: refuse the newest waiting login, optionally reporting it as not the user's.

use spse_protocol::api::{Decision, DecisionRequest};

use super::approvals;
use super::{Context, Error};
use crate::cli::DenyArgs;
use crate::messages::Msg;

/// No number is needed to refuse: refusing can only stop a login, never let one in.
pub fn run(args: DenyArgs, ctx: &Context) -> Result<(), Error> {
    let account = approvals::open_named(ctx, &args.account)?;
    let approval = approvals::newest_waiting(ctx, &account)?;
    let browser = approvals::browser(ctx, &approval.user_agent);
    let question = Msg::ConfirmDeny {
        account: &account.name,
        ip: &approval.ip,
        browser: &browser,
        not_me: args.not_me,
    };
    if !ctx.terminal.confirm(question, args.yes)? {
        return Err(Error::Cancelled);
    }
    let decision = if args.not_me {
        Decision::NotMe
    } else {
        Decision::Deny
    };
    let request = DecisionRequest {
        decision,
        number: None,
    };
    account
        .decide(&approval, &request, ctx.now())
        .map_err(Error::Server)?;
    ctx.say(
        &if args.not_me {
            Msg::ReportedNotMe(&account.name)
        } else {
            Msg::Denied(&account.name)
        }
        .text(ctx.lang),
    )
}
