//! A User as SCIM reads and writes it. Only what an spse-auth account has is served:
//! `userName` (the user ID, immutable), `displayName`, one email, `active`, `externalId`
//! and the account kind in the SPSE extension. Attribute names are matched without
//! regard to case (RFC 7643 2.1).

use serde_json::{Map, Value};
use spse_domain::user::UserKind;
use spse_store::ScimAccountRecord;

use super::{ACCOUNT_SCHEMA, ScimError, USER_SCHEMA};

/// An account as SCIM shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimUser {
    /// The resource id: the account's number, which is never given to another account.
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub email: String,
    pub kind: UserKind,
    pub active: bool,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub last_modified: i64,
}

impl From<&ScimAccountRecord> for ScimUser {
    fn from(record: &ScimAccountRecord) -> Self {
        let user = &record.user;
        Self {
            id: user.pk.to_string(),
            user_name: user.user_id.to_string(),
            display_name: user.name.clone(),
            email: user.email.clone(),
            kind: user.kind,
            active: !user.disabled,
            external_id: record.external_id.clone(),
            created_at: user.created_at,
            last_modified: record.updated_at.unwrap_or(user.created_at),
        }
    }
}

/// A User as a client sends it (POST, PUT), or as a PATCH leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimUserInput {
    pub user_name: String,
    pub display_name: String,
    pub email: String,
    pub kind: UserKind,
    /// `None`: not sent (true for a new account; unchanged on replace).
    pub active: Option<bool>,
    pub external_id: Option<String>,
}

impl From<&ScimUser> for ScimUserInput {
    fn from(user: &ScimUser) -> Self {
        Self {
            user_name: user.user_name.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            kind: user.kind,
            active: Some(user.active),
            external_id: user.external_id.clone(),
        }
    }
}

/// The value of `name` in `object`, whatever the case of its key.
pub(super) fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

fn invalid(text: &str) -> ScimError {
    ScimError::InvalidValue(text.to_string())
}

pub(super) fn string(value: &Value, what: &str) -> Result<String, ScimError> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| invalid(&format!("{what} must be a string")))
}

/// `true`/`false`, or the strings some clients send for them ("True", "False").
pub(super) fn boolean(value: &Value, what: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(&format!("{what} must be true or false"))),
    }
}

/// The address of `emails`: the primary one, else the first. spse-auth keeps one.
pub(super) fn email_of(value: &Value) -> Result<String, ScimError> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => return Err(invalid("emails must be a list of {\"value\": address}")),
    };
    let value_of = |item: &Value| item.as_object().and_then(|o| field(o, "value")).cloned();
    let primary = items.iter().find(|item| {
        item.as_object()
            .and_then(|o| field(o, "primary"))
            .is_some_and(|p| p == &Value::Bool(true))
    });
    primary
        .or(items.first())
        .and_then(value_of)
        .ok_or_else(|| invalid("emails needs at least one address in \"value\""))
        .and_then(|v| string(&v, "emails.value"))
}

pub(super) fn kind_of(value: &Value) -> Result<UserKind, ScimError> {
    let text = string(value, "kind")?;
    match text.as_str() {
        "penyedia" => Ok(UserKind::Penyedia),
        "non-penyedia" => Ok(UserKind::NonPenyedia),
        _ => Err(invalid("kind must be \"penyedia\" or \"non-penyedia\"")),
    }
}

/// The kind inside the extension object.
pub(super) fn extension_kind(value: &Value) -> Result<UserKind, ScimError> {
    let kind = value
        .as_object()
        .and_then(|o| field(o, "kind"))
        .ok_or_else(|| invalid(&format!("{ACCOUNT_SCHEMA} needs \"kind\"")))?;
    kind_of(kind)
}

/// Refuses a message that is not a User: it must name the User schema.
pub(super) fn check_schemas(object: &Map<String, Value>, wanted: &str) -> Result<(), ScimError> {
    let named = field(object, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(wanted)))
        });
    if named {
        Ok(())
    } else {
        Err(ScimError::InvalidSyntax(format!(
            "\"schemas\" must name {wanted}"
        )))
    }
}

impl ScimUserInput {
    /// Reads a User sent whole (POST, PUT). Read-only attributes (`id`, `meta`) are
    /// ignored, as RFC 7644 3.3 allows; a password is refused: one is never provisioned.
    pub fn from_json(body: &Value) -> Result<Self, ScimError> {
        let object = body
            .as_object()
            .ok_or_else(|| ScimError::InvalidSyntax("the body must be a JSON object".into()))?;
        check_schemas(object, USER_SCHEMA)?;
        if field(object, "password").is_some() {
            return Err(invalid(
                "spse-auth takes no password by provisioning: the user sets one from a mailed link",
            ));
        }
        let required = |name: &str| {
            field(object, name)
                .filter(|v| !v.is_null())
                .ok_or_else(|| invalid(&format!("{name} is required")))
        };
        let active = field(object, "active")
            .filter(|v| !v.is_null())
            .map(|v| boolean(v, "active"))
            .transpose()?;
        let external_id = field(object, "externalId")
            .filter(|v| !v.is_null())
            .map(|v| string(v, "externalId"))
            .transpose()?;
        Ok(Self {
            user_name: string(required("userName")?, "userName")?,
            display_name: string(required("displayName")?, "displayName")?,
            email: email_of(required("emails")?)?,
            kind: extension_kind(required(ACCOUNT_SCHEMA)?)?,
            active,
            external_id,
        })
    }
}
