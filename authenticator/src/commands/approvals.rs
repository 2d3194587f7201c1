//! What `pending`, `approve` and `deny` share: an account bound for login approval, its
//! server, and how a waiting login is chosen and described.

use spse_i18n::Texts;
use spse_protocol::api::{
    ApprovalPurpose, DecisionRequest, DecisionResponse, DeviceKey, PendingApproval,
};

use super::{Context, Error};
use crate::accounts::{Account, LookupError};
use crate::api_client::{ApiClient, RequestError};
use crate::describe;
use crate::messages::{Msg, shown};
use crate::store::OpenStore;

/// The client of `server`, with a warning when approvals would travel in clear text.
pub fn client(ctx: &Context, server: &str) -> Result<ApiClient, RequestError> {
    let client = ApiClient::new(server)?;
    if client.is_insecure() {
        ctx.terminal.note(Msg::InsecureServer(server));
    }
    Ok(client)
}

/// Request timestamps are signed as `i64`; a `u64` clock beyond that is not a clock.
pub fn timestamp(now: u64) -> i64 {
    i64::try_from(now).unwrap_or(i64::MAX)
}

/// An account that can talk to its server: the key and device id from enrolment.
pub struct PushAccount {
    pub label: String,
    pub issuer: String,
    pub name: String,
    client: ApiClient,
    key: DeviceKey,
    device_id: String,
}

impl PushAccount {
    pub fn new(ctx: &Context, account: &Account) -> Result<Self, Error> {
        let (Some(server), Some(device)) = (&account.server, &account.device) else {
            return Err(Error::NoPush(account.label()));
        };
        Ok(Self {
            label: account.label(),
            issuer: account.issuer.clone(),
            name: account.account.clone(),
            client: client(ctx, server).map_err(Error::Server)?,
            key: device.key(),
            device_id: device.id.clone(),
        })
    }

    pub fn pending(&self, now: u64) -> Result<Vec<PendingApproval>, RequestError> {
        self.client
            .pending(&self.key, &self.device_id, timestamp(now))
    }

    pub fn decide(
        &self,
        approval: &PendingApproval,
        request: &DecisionRequest,
        now: u64,
    ) -> Result<DecisionResponse, RequestError> {
        self.client.decide(
            &self.key,
            &self.device_id,
            &approval.id,
            request,
            timestamp(now),
        )
    }
}

/// The push account `query` names in an opened store.
pub fn named(ctx: &Context, store: &OpenStore, query: &str) -> Result<PushAccount, Error> {
    let index = store.accounts.find(query)?;
    let account = store
        .accounts
        .get(index)
        .ok_or_else(|| LookupError::Unknown(query.trim().to_string()))?;
    PushAccount::new(ctx, account)
}

/// Opens the store and picks the push account `query` names.
pub fn open_named(ctx: &Context, query: &str) -> Result<PushAccount, Error> {
    let store = ctx
        .open_existing()?
        .ok_or_else(|| LookupError::Unknown(query.trim().to_string()))?;
    named(ctx, &store, query)
}

/// The newest waiting login of `account`: the one the user most likely has in front of
/// them. Older ones are mentioned so that none goes unnoticed.
pub fn newest_waiting(ctx: &Context, account: &PushAccount) -> Result<PendingApproval, Error> {
    let mut waiting = account.pending(ctx.now()).map_err(Error::Server)?;
    waiting.sort_by_key(|a| std::cmp::Reverse(a.created_at));
    let others = waiting.len().saturating_sub(1);
    let Some(newest) = waiting.into_iter().next() else {
        return Err(Error::NothingPending(account.label.clone()));
    };
    if newest.purpose == ApprovalPurpose::DisableTotp {
        ctx.terminal.note(Msg::DisableTotpToDecide(&account.name));
    }
    ctx.terminal.note(Msg::LoginToDecide {
        account: &account.name,
        time: &describe::wib(newest.created_at),
        ip: &newest.ip,
        browser: &browser(ctx, &newest.user_agent),
    });
    if others > 0 {
        ctx.terminal.note(Msg::OthersWaiting(others));
    }
    Ok(newest)
}

/// The browser in the user's language, safe to print.
pub fn browser(ctx: &Context, user_agent: &str) -> String {
    let t = Texts::new(ctx.lang);
    shown(&describe::browser(user_agent, t.get("app_browser_on")))
}
