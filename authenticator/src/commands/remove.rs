//! `remove`: delete an account from the store.

use super::{Context, Error};
use crate::accounts::LookupError;
use crate::cli::RemoveArgs;
use crate::messages::Msg;

/// Asks first unless `--yes`: a removed secret cannot be recovered from anywhere.
pub fn run(args: RemoveArgs, ctx: &Context) -> Result<(), Error> {
    let unknown = || Error::from(LookupError::Unknown(args.account.trim().to_string()));
    let mut store = ctx.open_existing()?.ok_or_else(unknown)?;
    let index = store.accounts.find(&args.account)?;
    let label = store.accounts.get(index).ok_or_else(unknown)?.label();
    if !ctx.terminal.confirm(Msg::ConfirmRemove(&label), args.yes)? {
        return Err(Error::Cancelled);
    }
    store.accounts.remove(index);
    ctx.store.save(&store)?;
    ctx.say(&Msg::AccountRemoved(&label).text(ctx.lang))
}
