//! `code`: the current TOTP code of one account.

use std::io::IsTerminal;

use spse_protocol::STEP_SECONDS;

use super::{Context, Error};
use crate::accounts::LookupError;
use crate::cli::CodeArgs;
use crate::messages::Msg;

/// The seconds left are shown only to a person: when stdout is not a terminal (or with
/// `--quiet`) the output is the bare code, for `$(spse-authenticator code PPK1)`.
pub fn run(args: CodeArgs, ctx: &Context) -> Result<(), Error> {
    let Some(store) = ctx.open_existing()? else {
        return Err(LookupError::Unknown(args.account.trim().to_string()).into());
    };
    let index = store.accounts.find(&args.account)?;
    let Some(account) = store.accounts.get(index) else {
        return Err(LookupError::Unknown(args.account).into());
    };
    let now = args.at.unwrap_or_else(|| ctx.now());
    let code = account.key().code_at(now);
    if args.quiet || !std::io::stdout().is_terminal() {
        return ctx.say(&code);
    }
    let seconds_left = STEP_SECONDS - now % STEP_SECONDS;
    ctx.say(
        &Msg::Code {
            code: &code,
            seconds_left,
        }
        .text(ctx.lang),
    )
}
