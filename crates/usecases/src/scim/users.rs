//! The Users resource: create, read, list, replace, patch and delete ordinary accounts.
//! Creating goes through the same path as `user add`, with no usable password (the user
//! sets one from a mailed link). Setting `active` to false, or deleting, disables the
//! account and ends its sessions and OpenID tokens at once, as the helpdesk's disable
//! does; a deleted account stays (disabled, with its access log) and SCIM no longer
//! shows it.

use std::str::FromStr;

use scim_v2::filter::{AttrExp, CompValue, CompareOp, Filter};
use serde_json::Value;
use spse_domain::event::EventKind;
use spse_domain::token;
use spse_domain::user::{DisplayName, Email, Role};
use spse_store::{ScimAccountRecord, ScimProfile, ScimQuery};

use super::patch::apply_patch;
use super::{ScimCaller, ScimError, ScimUser, ScimUserInput, USER_SCHEMA};
use crate::events::Subject;
use crate::users::AccountProfile;
use crate::{Auth, AuthError, Client};

/// Accounts in a page when the client does not say.
pub const DEFAULT_PAGE: i64 = 100;
/// Most accounts in one page (`itemsPerPage`), whatever the client asks.
pub const MAX_PAGE: i64 = 500;
const MAX_FILTER: usize = 1000;
const MAX_EXTERNAL_ID: usize = 256;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct ScimPage {
    pub total: i64,
    /// 1-based position of the first account, as RFC 7644 3.4.2.4 counts.
    pub start_index: i64,
    pub users: Vec<ScimUser>,
}

/// What a filter asks for. Provisioning clients look accounts up by `userName`,
/// `externalId` or `id` with `eq`; any other filter is refused as `invalidFilter`.
fn query_of(filter: Option<&str>) -> Result<ScimQuery, ScimError> {
    let Some(text) = filter.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(ScimQuery::default());
    };
    let unsupported = || {
        ScimError::InvalidFilter(
            "filters supported: userName, externalId or id with eq and a string".into(),
        )
    };
    if text.len() > MAX_FILTER {
        return Err(unsupported());
    }
    let parsed = Filter::from_str(text)
        .map_err(|_| ScimError::InvalidFilter(format!("{text:?} is not a SCIM filter")))?;
    let Filter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(value))) = parsed
    else {
        return Err(unsupported());
    };
    let core = path
        .uri
        .as_deref()
        .is_none_or(|uri| uri.eq_ignore_ascii_case(USER_SCHEMA));
    if !core || path.sub_attr.is_some() {
        return Err(unsupported());
    }
    let mut query = ScimQuery::default();
    match path.name.to_ascii_lowercase().as_str() {
        // userName is compared without regard to case, as the login does.
        "username" => query.user_key = Some(value.trim().to_ascii_lowercase()),
        "externalid" => query.external_id = Some(value),
        // An id that is no account's number matches none.
        "id" => query.pk = Some(value.parse().unwrap_or(-1)),
        _ => return Err(unsupported()),
    }
    Ok(query)
}

fn check_external_id(external_id: Option<&str>) -> Result<(), ScimError> {
    match external_id {
        Some(id)
            if id.is_empty()
                || id.chars().count() > MAX_EXTERNAL_ID
                || id.chars().any(char::is_control) =>
        {
            Err(ScimError::InvalidValue(format!(
                "externalId: 1 to {MAX_EXTERNAL_ID} characters without control characters"
            )))
        }
        _ => Ok(()),
    }
}

impl Auth {
    async fn scim_record(&self, id: &str) -> Result<ScimAccountRecord, ScimError> {
        let pk: i64 = id.parse().map_err(|_| ScimError::NotFound)?;
        let query = ScimQuery {
            pk: Some(pk),
            ..ScimQuery::default()
        };
        let (_, mut found) = self.store.scim_accounts(&query, 0, 1).await?;
        found.pop().ok_or(ScimError::NotFound)
    }

    async fn log_scim(
        &self,
        kind: EventKind,
        record: &ScimAccountRecord,
        caller: &ScimCaller,
        client: &Client,
        what: &str,
    ) -> Result<(), AuthError> {
        let detail = format!("{what}by SCIM token {}", caller.token_name());
        self.log_event(kind, Subject::Account(&record.user), client, &detail)
            .await
    }

    pub async fn scim_user(&self, _caller: &ScimCaller, id: &str) -> Result<ScimUser, ScimError> {
        Ok(ScimUser::from(&self.scim_record(id).await?))
    }

    /// A page of the accounts `filter` matches, from `start_index` (1-based; less is 1),
    /// `count` of them at most (negative is 0; more than [`MAX_PAGE`] is [`MAX_PAGE`]).
    pub async fn scim_list(
        &self,
        _caller: &ScimCaller,
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
    ) -> Result<ScimPage, ScimError> {
        let query = query_of(filter)?;
        let start_index = start_index.unwrap_or(1).max(1);
        let count = count.unwrap_or(DEFAULT_PAGE).clamp(0, MAX_PAGE);
        let (total, records) = self
            .store
            .scim_accounts(&query, start_index - 1, count)
            .await?;
        Ok(ScimPage {
            total,
            start_index,
            users: records.iter().map(ScimUser::from).collect(),
        })
    }

    pub async fn scim_create(
        &self,
        caller: &ScimCaller,
        body: &Value,
        client: &Client,
    ) -> Result<ScimUser, ScimError> {
        let input = ScimUserInput::from_json(body)?;
        check_external_id(input.external_id.as_deref())?;
        let profile = AccountProfile::parse(
            &input.user_name,
            input.kind,
            &input.email,
            &input.display_name,
            Role::User,
        )?;
        // Taken also when the holder is staff or was deleted: a user ID names one account.
        if self
            .store
            .user_by_key(&profile.user_id.key())
            .await?
            .is_some()
        {
            return Err(ScimError::Uniqueness("userName is already taken".into()));
        }
        // A hash of a secret nobody holds: a login attempt costs what any other does and
        // never succeeds, until the user sets a password from a mailed link.
        let unusable = self
            .hasher
            .hash(token::random_hex(32))
            .await
            .map_err(AuthError::from)?;
        let user = self.create_account(&profile, unusable).await?;
        let now = self.now();
        self.store
            .put_scim_account(user.pk, input.external_id.as_deref(), now)
            .await?;
        if input.active == Some(false) {
            self.disable_account(user.pk).await?;
        }
        let record = self.scim_record(&user.pk.to_string()).await?;
        self.log_scim(EventKind::ScimCreated, &record, caller, client, "")
            .await?;
        Ok(ScimUser::from(&record))
    }

    /// PUT: the account becomes what the body says. `userName` cannot change; an absent
    /// `active` leaves the account as it is; an absent `externalId` clears it.
    pub async fn scim_replace(
        &self,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        client: &Client,
    ) -> Result<ScimUser, ScimError> {
        let record = self.scim_record(id).await?;
        let input = ScimUserInput::from_json(body)?;
        if !input
            .user_name
            .trim()
            .eq_ignore_ascii_case(record.user.user_id.as_str())
        {
            return Err(ScimError::Mutability("userName cannot change".into()));
        }
        self.scim_write(caller, record, input, client).await
    }

    pub async fn scim_patch(
        &self,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        client: &Client,
    ) -> Result<ScimUser, ScimError> {
        let record = self.scim_record(id).await?;
        let current = ScimUserInput::from(&ScimUser::from(&record));
        let patched = apply_patch(&current, body)?;
        self.scim_write(caller, record, patched, client).await
    }

    /// Deleting disables the account for good, as far as SCIM goes: it keeps its access
    /// log, and its user ID stays taken.
    pub async fn scim_delete(
        &self,
        caller: &ScimCaller,
        id: &str,
        client: &Client,
    ) -> Result<(), ScimError> {
        let record = self.scim_record(id).await?;
        self.disable_account(record.user.pk).await?;
        self.store
            .mark_scim_deleted(record.user.pk, self.now())
            .await?;
        self.log_scim(EventKind::ScimDeleted, &record, caller, client, "")
            .await?;
        Ok(())
    }

    async fn scim_write(
        &self,
        caller: &ScimCaller,
        record: ScimAccountRecord,
        wanted: ScimUserInput,
        client: &Client,
    ) -> Result<ScimUser, ScimError> {
        check_external_id(wanted.external_id.as_deref())?;
        let email = Email::parse(&wanted.email)
            .ok_or_else(|| ScimError::InvalidValue("emails: not a valid address".into()))?;
        let name = DisplayName::parse(&wanted.display_name).ok_or_else(|| {
            ScimError::InvalidValue(
                "displayName: 1 to 100 characters without control characters".into(),
            )
        })?;
        let user = &record.user;
        let mut changed = Vec::new();
        if user.kind != wanted.kind {
            changed.push("kind");
        }
        if user.email != email.as_str() {
            changed.push("email");
        }
        if user.name != name.as_str() {
            changed.push("name");
        }
        if record.external_id != wanted.external_id {
            changed.push("externalId");
        }
        let activation = wanted.active.filter(|&active| active == user.disabled);
        if !changed.is_empty() || activation.is_some() {
            let profile = ScimProfile {
                kind: wanted.kind,
                email: email.as_str().to_string(),
                name: name.as_str().to_string(),
                external_id: wanted.external_id.clone(),
            };
            self.store
                .update_scim_profile(user.pk, &profile, self.now())
                .await?;
        }
        if !changed.is_empty() {
            let what = format!("{} ", changed.join(", "));
            self.log_scim(EventKind::ScimUpdated, &record, caller, client, &what)
                .await?;
        }
        match activation {
            Some(false) => {
                self.disable_account(user.pk).await?;
                self.log_scim(EventKind::ScimDisabled, &record, caller, client, "")
                    .await?;
            }
            Some(true) => {
                self.store.set_disabled(user.pk, false).await?;
                self.log_scim(EventKind::ScimEnabled, &record, caller, client, "")
                    .await?;
            }
            None => {}
        }
        Ok(ScimUser::from(
            &self.scim_record(&record.user.pk.to_string()).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_one_account_or_are_refused() {
        assert_eq!(
            query_of(Some(r#"userName eq "PPK1""#))
                .unwrap()
                .user_key
                .as_deref(),
            Some("ppk1")
        );
        assert_eq!(
            query_of(Some(r#"externalid EQ "x-9""#))
                .unwrap()
                .external_id
                .as_deref(),
            Some("x-9")
        );
        assert_eq!(query_of(Some(r#"id eq "abc""#)).unwrap().pk, Some(-1));
        assert_eq!(query_of(None).unwrap(), ScimQuery::default());
        for refused in [
            r#"userName co "PP""#,
            r#"displayName eq "Budi""#,
            r#"userName eq "a" or userName eq "b""#,
            "userName eq",
            r#"emails[value eq "a@b.c"]"#,
        ] {
            assert!(
                matches!(query_of(Some(refused)), Err(ScimError::InvalidFilter(_))),
                "{refused}"
            );
        }
    }
}
