//! A User as JSON, and the `attributes` / `excludedAttributes` a client may ask for
//! (RFC 7644 3.9): `id` and `schemas` are always returned.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use spse_usecases::scim::{ACCOUNT_SCHEMA, ScimPage, ScimUser, USER_SCHEMA};

const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

pub fn timestamp(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

pub fn user_location(base: &str, user: &ScimUser) -> String {
    format!("{base}/Users/{}", user.id)
}

pub fn user_json(base: &str, user: &ScimUser) -> Value {
    let mut body = json!({
        "schemas": [USER_SCHEMA, ACCOUNT_SCHEMA],
        "id": user.id,
        "userName": user.user_name,
        "displayName": user.display_name,
        "emails": [{"value": user.email}],
        "active": user.active,
        ACCOUNT_SCHEMA: {"kind": user.kind.as_str()},
        "meta": {
            "resourceType": "User",
            "created": timestamp(user.created_at),
            "lastModified": timestamp(user.last_modified),
            "location": user_location(base, user),
        },
    });
    if let Some(external_id) = &user.external_id {
        body["externalId"] = json!(external_id);
    }
    body
}

/// One attribute a client named: a top-level key and maybe one sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    key: String,
    sub: Option<String>,
}

/// Reads `urn:...:User:emails.value`, `emails.value`, `urn:...spse...:User:kind` or the
/// bare extension URN into the key of the rendered object (and a sub-attribute).
fn named(text: &str) -> Named {
    let text = text.trim();
    if text.eq_ignore_ascii_case(ACCOUNT_SCHEMA) {
        return Named {
            key: ACCOUNT_SCHEMA.into(),
            sub: None,
        };
    }
    let strip = |prefix: &str| {
        text.get(..prefix.len() + 1)
            .filter(|head| head.eq_ignore_ascii_case(&format!("{prefix}:")))
            .map(|_| &text[prefix.len() + 1..])
    };
    if let Some(rest) = strip(ACCOUNT_SCHEMA) {
        return Named {
            key: ACCOUNT_SCHEMA.into(),
            sub: Some(rest.to_string()),
        };
    }
    let rest = strip(USER_SCHEMA).unwrap_or(text);
    match rest.split_once('.') {
        Some((key, sub)) => Named {
            key: key.into(),
            sub: Some(sub.into()),
        },
        None => Named {
            key: rest.into(),
            sub: None,
        },
    }
}

fn names(list: &[String]) -> Vec<Named> {
    list.iter()
        .flat_map(|item| item.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(named)
        .collect()
}

/// Keeps only the sub-attributes named in `subs` of an object, or of each object of a list.
fn keep_subs(value: &mut Value, subs: &[&str], keep: bool) {
    let filter = |object: &mut Map<String, Value>| {
        object.retain(|k, _| subs.iter().any(|s| s.eq_ignore_ascii_case(k)) == keep);
    };
    match value {
        Value::Object(object) => filter(object),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(filter),
        _ => {}
    }
}

/// What the client asked to see of a resource.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    pub attributes: Vec<String>,
    pub excluded: Vec<String>,
}

impl Projection {
    pub fn apply(&self, mut body: Value) -> Value {
        let Some(object) = body.as_object_mut() else {
            return body;
        };
        let always = |k: &str| k == "id" || k == "schemas";
        let wanted = names(&self.attributes);
        if !wanted.is_empty() {
            let keys: Vec<String> = object.keys().cloned().collect();
            for key in keys {
                if always(&key) {
                    continue;
                }
                let asked: Vec<&Named> = wanted
                    .iter()
                    .filter(|n| n.key.eq_ignore_ascii_case(&key))
                    .collect();
                if asked.is_empty() {
                    object.remove(&key);
                } else if asked.iter().all(|n| n.sub.is_some()) {
                    let subs: Vec<&str> = asked.iter().filter_map(|n| n.sub.as_deref()).collect();
                    if let Some(value) = object.get_mut(&key) {
                        keep_subs(value, &subs, true);
                    }
                }
            }
        }
        for name in names(&self.excluded) {
            let Some(key) = object
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&name.key))
                .cloned()
            else {
                continue;
            };
            match &name.sub {
                _ if always(&key) => {}
                None => {
                    object.remove(&key);
                }
                Some(sub) => {
                    if let Some(value) = object.get_mut(&key) {
                        keep_subs(value, &[sub.as_str()], false);
                    }
                }
            }
        }
        body
    }
}

pub fn list_json(base: &str, page: &ScimPage, projection: &Projection) -> Value {
    let resources: Vec<Value> = page
        .users
        .iter()
        .map(|user| projection.apply(user_json(base, user)))
        .collect();
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": page.total,
        "startIndex": page.start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spse_domain::user::UserKind;

    fn user() -> Value {
        user_json(
            "https://lpse.example/scim/v2",
            &ScimUser {
                id: "7".into(),
                user_name: "PPK7".into(),
                display_name: "Budi".into(),
                email: "budi@lpse.go.id".into(),
                kind: UserKind::NonPenyedia,
                active: true,
                external_id: Some("x-7".into()),
                created_at: 0,
                last_modified: 60,
            },
        )
    }

    #[test]
    fn attributes_keep_what_was_asked_and_always_the_id() {
        let asked = Projection {
            attributes: vec![
                "userName,emails.value".into(),
                format!("{ACCOUNT_SCHEMA}:kind"),
            ],
            excluded: vec![],
        };
        let shown = asked.apply(user());
        let mut keys: Vec<&str> = shown
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["emails", "id", "schemas", ACCOUNT_SCHEMA, "userName"]
        );
        assert_eq!(shown["emails"], json!([{"value": "budi@lpse.go.id"}]));
        assert_eq!(shown["meta"], Value::Null);
        let hidden = Projection {
            attributes: vec![],
            excluded: vec!["externalId".into(), "id".into(), "meta.location".into()],
        }
        .apply(user());
        assert_eq!(hidden["externalId"], Value::Null);
        assert_eq!(hidden["id"], "7");
        assert_eq!(hidden["meta"]["location"], Value::Null);
        assert_eq!(hidden["meta"]["resourceType"], "User");
        assert_eq!(hidden["meta"]["lastModified"], "1970-01-01T00:01:00Z");
    }
}
