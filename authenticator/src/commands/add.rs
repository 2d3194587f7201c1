//! `add`: store an account from an otpauth URI or a QR image, and register this app for
//! login approval when the code comes from spse-auth.

use std::io::Read;

use spse_protocol::OtpauthUri;
use spse_protocol::api::{DeviceKey, EnrollRequest};
use zeroize::Zeroizing;

use super::{Context, Error, approvals};
use crate::accounts::{Account, Device};
use crate::cli::AddArgs;
use crate::messages::Msg;
use crate::qr;

/// Parses the input before asking for anything, so a bad URI or image fails at once.
/// Enrolment happens after the passphrase and the replace question (so a refusal there
/// costs no one-time token) and before saving (so a refused enrolment stores nothing).
pub fn run(args: AddArgs, ctx: &Context) -> Result<(), Error> {
    let text = Zeroizing::new(match (&args.qr, args.uri) {
        (Some(image), _) => qr::read_otpauth(image)?,
        (None, Some(uri)) if uri == "-" => read_stdin()?,
        (None, Some(uri)) => uri,
        (None, None) => String::new(),
    });
    let uri = OtpauthUri::parse(&text)?;
    let now = ctx.now();
    let mut account = Account::from_uri(&uri, now);
    let label = account.label();

    let mut store = ctx.open_or_create()?;
    if store.accounts.existing(&account).is_some()
        && !ctx
            .terminal
            .confirm(Msg::ConfirmReplace(&label), args.yes)?
    {
        return Err(Error::Cancelled);
    }
    if let (Some(server), Some(token), false) = (&uri.server, &uri.enroll, args.no_push) {
        account.device = Some(enroll(ctx, &account, server, token, now)?);
    }
    let push = account.push_enabled();
    let replaced = store.accounts.upsert(account);
    ctx.store.save(&store)?;
    ctx.say(&if replaced {
        Msg::AccountReplaced(&label).text(ctx.lang)
    } else {
        Msg::AccountAdded(&label).text(ctx.lang)
    })?;
    if push {
        ctx.say(&Msg::PushReady(&uri.account).text(ctx.lang))?;
    }
    Ok(())
}

/// A new device key, registered with the one-time token and a current code.
fn enroll(
    ctx: &Context,
    account: &Account,
    server: &str,
    token: &str,
    now: u64,
) -> Result<Device, Error> {
    let client = approvals::client(ctx, server).map_err(Error::Enroll)?;
    let key = DeviceKey::generate();
    let request = EnrollRequest {
        token: token.to_string(),
        public_key: key.public_hex(),
        code: account.key().code_at(now),
        device_name: device_name(),
    };
    let answer = client
        .enroll(&key, &request, approvals::timestamp(now))
        .map_err(Error::Enroll)?;
    Ok(Device::new(answer.device_id, &key))
}

/// What the user will see in spse-auth as the name of this device.
fn device_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().chars().take(60).collect::<String>())
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => format!("spse-authenticator ({host})"),
        None => "spse-authenticator".into(),
    }
}

fn read_stdin() -> Result<String, Error> {
    let mut text = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(Error::Input)?;
    Ok(text)
}
