//! Talking to an account's server: what enrolment and the approval commands share.

use super::Context;
use crate::api_client::{ApiClient, RequestError};
use crate::messages::Msg;

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
