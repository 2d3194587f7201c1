//! `approve`: allow the newest waiting login, after matching the browser's number.

use spse_protocol::api::{Decision, DecisionRequest};

use super::approvals;
use super::{Context, Error};
use crate::cli::ApproveArgs;
use crate::messages::Msg;

/// The number is asked before the yes, so the question can only be answered by someone
/// who sees the browser; the server checks it, and a wrong one counts toward the lockout.
pub fn run(args: ApproveArgs, ctx: &Context) -> Result<(), Error> {
    let account = approvals::open_named(ctx, &args.account)?;
    let approval = approvals::newest_waiting(ctx, &account)?;
    let number = match args.number {
        Some(number) => number,
        None => ctx.terminal.number(Msg::NumberPrompt)?,
    };
    let question = Msg::ConfirmApprove {
        account: &account.name,
        ip: &approval.ip,
        browser: &approvals::browser(ctx, &approval.user_agent),
    };
    if !ctx.terminal.confirm(question, args.yes)? {
        return Err(Error::Cancelled);
    }
    let request = DecisionRequest {
        decision: Decision::Approve,
        number: Some(number),
    };
    account
        .decide(&approval, &request, ctx.now())
        .map_err(Error::Server)?;
    ctx.say(&Msg::Approved(&account.name).text(ctx.lang))
}
