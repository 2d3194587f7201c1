//! `add`: store an account from an otpauth URI or a QR image.

use std::io::Read;

use spse_protocol::OtpauthUri;
use zeroize::Zeroizing;

use super::{Context, Error, unix_now};
use crate::accounts::Account;
use crate::cli::AddArgs;
use crate::messages::Msg;
use crate::qr;

/// Parses the input before asking for anything, so a bad URI or image fails at once.
/// `server` and `enroll` are stored as they are; enrolling with the server comes later.
pub fn run(args: AddArgs, ctx: &Context) -> Result<(), Error> {
    let text = Zeroizing::new(match (&args.qr, args.uri) {
        (Some(image), _) => qr::read_otpauth(image)?,
        (None, Some(uri)) if uri == "-" => read_stdin()?,
        (None, Some(uri)) => uri,
        (None, None) => String::new(),
    });
    let uri = OtpauthUri::parse(&text)?;
    let account = Account::from_uri(&uri, unix_now());
    let label = account.label();

    let mut store = ctx.open_or_create()?;
    if store.accounts.existing(&account).is_some()
        && !ctx
            .terminal
            .confirm(Msg::ConfirmReplace(&label), args.yes)?
    {
        return Err(Error::Cancelled);
    }
    let replaced = store.accounts.upsert(account);
    ctx.store.save(&store)?;
    ctx.say(&if replaced {
        Msg::AccountReplaced(&label).text(ctx.lang)
    } else {
        Msg::AccountAdded(&label).text(ctx.lang)
    })
}

fn read_stdin() -> Result<String, Error> {
    let mut text = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(Error::Input)?;
    Ok(text)
}
