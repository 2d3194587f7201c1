//! PATCH (RFC 7644 3.5.2): `add`, `replace` and `remove` applied in order to the
//! account as it is, all or nothing. Paths are parsed by `scim_v2`'s grammar.

use std::str::FromStr;

use scim_v2::filter::{AttrPath, PatchPath};
use serde_json::Value;

use super::document::{boolean, check_schemas, email_of, extension_kind, field, kind_of, string};
use super::{ACCOUNT_SCHEMA, PATCH_SCHEMA, ScimError, ScimUserInput, USER_SCHEMA};

/// Most operations in one PATCH.
const MAX_OPERATIONS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// What a path names, of what spse-auth serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    UserName,
    DisplayName,
    Emails,
    /// The address itself: `emails.value`, or `emails[...]` / `emails[...].value`.
    EmailValue {
        whole_item: bool,
    },
    Active,
    ExternalId,
    Kind,
    /// The extension as one object (`{"kind": ...}`).
    Extension,
}

fn invalid_path(path: &str) -> ScimError {
    ScimError::InvalidPath(format!("{path:?} names no attribute this server serves"))
}

fn core_attribute(attr: &AttrPath, shown: &str) -> Result<Target, ScimError> {
    let name = attr.name.to_ascii_lowercase();
    let sub = attr.sub_attr.as_deref().map(str::to_ascii_lowercase);
    Ok(match (name.as_str(), sub.as_deref()) {
        ("username", None) => Target::UserName,
        ("displayname", None) => Target::DisplayName,
        ("emails", None) => Target::Emails,
        ("emails", Some("value")) => Target::EmailValue { whole_item: false },
        ("active", None) => Target::Active,
        ("externalid", None) => Target::ExternalId,
        _ => return Err(invalid_path(shown)),
    })
}

fn target(path: &str) -> Result<Target, ScimError> {
    if path.eq_ignore_ascii_case(ACCOUNT_SCHEMA) {
        return Ok(Target::Extension);
    }
    let parsed = PatchPath::from_str(path).map_err(|_| invalid_path(path))?;
    match parsed {
        PatchPath::Attr(attr) => match attr.uri.as_deref() {
            None => core_attribute(&attr, path),
            Some(uri) if uri.eq_ignore_ascii_case(USER_SCHEMA) => core_attribute(&attr, path),
            Some(uri)
                if uri.eq_ignore_ascii_case(ACCOUNT_SCHEMA)
                    && attr.name.eq_ignore_ascii_case("kind")
                    && attr.sub_attr.is_none() =>
            {
                Ok(Target::Kind)
            }
            Some(_) => Err(invalid_path(path)),
        },
        // spse-auth keeps one address and no types: whatever the filter, it is the one.
        PatchPath::Value(value_path) => {
            let core = value_path
                .attr
                .uri
                .as_deref()
                .is_none_or(|uri| uri.eq_ignore_ascii_case(USER_SCHEMA));
            let sub = value_path.sub_attr.as_deref();
            if !core || !value_path.attr.name.eq_ignore_ascii_case("emails") {
                return Err(invalid_path(path));
            }
            match sub {
                None => Ok(Target::EmailValue { whole_item: true }),
                Some(s) if s.eq_ignore_ascii_case("value") => {
                    Ok(Target::EmailValue { whole_item: false })
                }
                Some(_) => Err(invalid_path(path)),
            }
        }
    }
}

fn required(what: &str) -> ScimError {
    ScimError::InvalidValue(format!("{what} is required and cannot be removed"))
}

fn apply(user: &mut ScimUserInput, op: Op, target: Target, value: &Value) -> Result<(), ScimError> {
    if op == Op::Remove {
        return match target {
            Target::ExternalId => {
                user.external_id = None;
                Ok(())
            }
            Target::UserName => Err(ScimError::Mutability("userName cannot change".into())),
            Target::DisplayName => Err(required("displayName")),
            Target::Emails | Target::EmailValue { .. } => Err(required("emails")),
            Target::Active => Err(required("active")),
            Target::Kind | Target::Extension => Err(required("kind")),
        };
    }
    match target {
        Target::UserName => {
            let wanted = string(value, "userName")?;
            if !wanted.trim().eq_ignore_ascii_case(&user.user_name) {
                return Err(ScimError::Mutability("userName cannot change".into()));
            }
        }
        Target::DisplayName => user.display_name = string(value, "displayName")?,
        Target::Emails => user.email = email_of(value)?,
        Target::EmailValue { whole_item: true } => user.email = email_of(value)?,
        Target::EmailValue { whole_item: false } => user.email = string(value, "emails.value")?,
        Target::Active => user.active = Some(boolean(value, "active")?),
        Target::ExternalId => {
            user.external_id = if value.is_null() {
                None
            } else {
                Some(string(value, "externalId")?)
            }
        }
        Target::Kind => user.kind = kind_of(value)?,
        Target::Extension => user.kind = extension_kind(value)?,
    }
    Ok(())
}

/// Attributes of a path-less `add` or `replace`: the keys of its object value.
fn apply_object(user: &mut ScimUserInput, op: Op, value: &Value) -> Result<(), ScimError> {
    let object = value.as_object().ok_or_else(|| {
        ScimError::InvalidValue("an operation without a path needs an object value".into())
    })?;
    for (key, item) in object {
        if ["schemas", "id", "meta"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k))
        {
            continue;
        }
        apply(user, op, target(key)?, item)?;
    }
    Ok(())
}

/// Applies a PatchOp message to `user`; nothing is kept if any operation fails.
pub(super) fn apply_patch(user: &ScimUserInput, body: &Value) -> Result<ScimUserInput, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("the body must be a JSON object".into()))?;
    check_schemas(object, PATCH_SCHEMA)?;
    let operations = field(object, "Operations")
        .and_then(Value::as_array)
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| {
            ScimError::InvalidSyntax("\"Operations\" must be a non-empty list".into())
        })?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::InvalidSyntax(format!(
            "at most {MAX_OPERATIONS} operations at once"
        )));
    }
    let mut patched = user.clone();
    for operation in operations {
        let operation = operation
            .as_object()
            .ok_or_else(|| ScimError::InvalidSyntax("each operation must be an object".into()))?;
        let op = match field(operation, "op").and_then(Value::as_str) {
            Some(op) if op.eq_ignore_ascii_case("add") => Op::Add,
            Some(op) if op.eq_ignore_ascii_case("replace") => Op::Replace,
            Some(op) if op.eq_ignore_ascii_case("remove") => Op::Remove,
            _ => {
                return Err(ScimError::InvalidSyntax(
                    "\"op\" must be add, replace or remove".into(),
                ));
            }
        };
        let value = field(operation, "value").unwrap_or(&Value::Null);
        match field(operation, "path").and_then(Value::as_str) {
            Some(path) => {
                if op != Op::Remove && value.is_null() && target(path)? != Target::ExternalId {
                    return Err(ScimError::InvalidValue(format!(
                        "{path}: a value is needed"
                    )));
                }
                apply(&mut patched, op, target(path)?, value)?;
            }
            None if op == Op::Remove => {
                return Err(ScimError::NoTarget("remove needs a path".into()));
            }
            None => apply_object(&mut patched, op, value)?,
        }
    }
    Ok(patched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use spse_domain::user::UserKind;

    fn user() -> ScimUserInput {
        ScimUserInput {
            user_name: "PPK7".into(),
            display_name: "Budi".into(),
            email: "budi@lpse.go.id".into(),
            kind: UserKind::NonPenyedia,
            active: Some(true),
            external_id: None,
        }
    }

    fn patch(ops: Value) -> Result<ScimUserInput, ScimError> {
        apply_patch(
            &user(),
            &json!({"schemas": [PATCH_SCHEMA], "Operations": ops}),
        )
    }

    #[test]
    fn paths_the_clients_send_are_applied() {
        let done = patch(json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@lpse.go.id"},
            {"op": "add", "path": "externalId", "value": "x-1"},
            {"op": "replace", "path": format!("{ACCOUNT_SCHEMA}:kind"), "value": "penyedia"},
            {"op": "replace", "value": {"displayName": "Budi S", "userName": "ppk7"}},
        ]))
        .unwrap();
        assert_eq!(done.active, Some(false));
        assert_eq!(done.email, "b@lpse.go.id");
        assert_eq!(done.external_id.as_deref(), Some("x-1"));
        assert_eq!(done.kind, UserKind::Penyedia);
        assert_eq!(done.display_name, "Budi S");
        let done = patch(json!([
            {"op": "replace", "path": ACCOUNT_SCHEMA, "value": {"kind": "penyedia"}},
            {"op": "remove", "path": "externalId"},
        ]))
        .unwrap();
        assert_eq!(done.kind, UserKind::Penyedia);
        assert_eq!(done.external_id, None);
    }

    #[test]
    fn what_cannot_change_is_refused() {
        let cases = [
            (
                json!([{"op": "replace", "path": "userName", "value": "other"}]),
                "mutability",
            ),
            (json!([{"op": "remove", "path": "active"}]), "value"),
            (
                json!([{"op": "replace", "path": "name.givenName", "value": "x"}]),
                "path",
            ),
            (
                json!([{"op": "replace", "path": "active", "value": 3}]),
                "value",
            ),
            (
                json!([{"op": "move", "path": "active", "value": true}]),
                "syntax",
            ),
            (json!([{"op": "remove"}]), "target"),
            (json!([]), "syntax"),
        ];
        for (ops, expected) in cases {
            let got = patch(ops.clone()).unwrap_err();
            let kind = match got {
                ScimError::Mutability(_) => "mutability",
                ScimError::InvalidValue(_) => "value",
                ScimError::InvalidPath(_) => "path",
                ScimError::InvalidSyntax(_) => "syntax",
                ScimError::NoTarget(_) => "target",
                other => panic!("{other:?}"),
            };
            assert_eq!(kind, expected, "{ops}");
        }
        let no_schema = apply_patch(&user(), &json!({"Operations": []}));
        assert!(matches!(no_schema, Err(ScimError::InvalidSyntax(_))));
    }
}
