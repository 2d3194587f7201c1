//! The discovery endpoints (RFC 7644 4): what this server supports, its one resource
//! type, and the schemas of a User as spse-auth serves it. A client that reads them
//! (scim2-client builds its models from them) sees exactly the attributes kept.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Provisioner, ScimFailure, scim_json};
use crate::AppState;
use spse_usecases::scim::{ACCOUNT_SCHEMA, MAX_PAGE, ScimError, USER_SCHEMA};

const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

fn attribute(name: &str, kind: &str, required: bool, mutability: &str, description: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": required,
        "caseExact": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": "none",
    })
}

fn user_schema(base: &str) -> Value {
    let mut user_name = attribute(
        "userName",
        "string",
        true,
        "immutable",
        "The user ID typed at login (letters, digits, '.', '_', '-'; at most 64), unique \
         without regard to case.",
    );
    user_name["uniqueness"] = json!("server");
    let mut value = attribute("value", "string", true, "readWrite", "The address.");
    value["multiValued"] = json!(false);
    let mut emails = attribute(
        "emails",
        "complex",
        true,
        "readWrite",
        "The one address on file: reset and set-password links go only there.",
    );
    emails["multiValued"] = json!(true);
    emails["subAttributes"] = json!([value]);
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "An spse-auth account",
        "attributes": [
            user_name,
            attribute("displayName", "string", true, "readWrite", "The name shown on pages."),
            emails,
            attribute(
                "active",
                "boolean",
                true,
                "readWrite",
                "false disables the account and ends its sessions at once.",
            ),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}")},
    })
}

fn account_schema(base: &str) -> Value {
    let mut kind = attribute(
        "kind",
        "string",
        true,
        "readWrite",
        "The login door: penyedia (vendors) or non-penyedia (government staff).",
    );
    kind["canonicalValues"] = json!(["penyedia", "non-penyedia"]);
    kind["caseExact"] = json!(true);
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": ACCOUNT_SCHEMA,
        "name": "SpseAccount",
        "description": "What SPSE adds to a User: the kind of account",
        "attributes": [kind],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{ACCOUNT_SCHEMA}")},
    })
}

fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "spse-auth accounts (ordinary ones: staff accounts are not provisioned)",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ACCOUNT_SCHEMA, "required": true}],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
    })
}

fn list(items: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": items.len(),
        "startIndex": 1,
        "itemsPerPage": items.len(),
        "Resources": items,
    })
}

pub async fn service_provider_config(
    State(state): State<AppState>,
    _caller: Provisioner,
) -> Response {
    let base = state.auth.scim_base();
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [CONFIG_SCHEMA],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_PAGE},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token from `spse-auth scim token add NAME`, \
                                sent as `Authorization: Bearer TOKEN`.",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base}/ServiceProviderConfig"),
            },
        }),
    )
}

pub async fn resource_types(State(state): State<AppState>, _caller: Provisioner) -> Response {
    let base = state.auth.scim_base();
    scim_json(StatusCode::OK, &list(vec![user_resource_type(&base)]))
}

pub async fn resource_type(
    State(state): State<AppState>,
    _caller: Provisioner,
    Path(id): Path<String>,
) -> Result<Response, ScimFailure> {
    if id != "User" {
        return Err(ScimError::NotFound.into());
    }
    let base = state.auth.scim_base();
    Ok(scim_json(StatusCode::OK, &user_resource_type(&base)))
}

pub async fn schemas(State(state): State<AppState>, _caller: Provisioner) -> Response {
    let base = state.auth.scim_base();
    scim_json(
        StatusCode::OK,
        &list(vec![user_schema(&base), account_schema(&base)]),
    )
}

pub async fn schema(
    State(state): State<AppState>,
    _caller: Provisioner,
    Path(id): Path<String>,
) -> Result<Response, ScimFailure> {
    let base = state.auth.scim_base();
    if id.eq_ignore_ascii_case(USER_SCHEMA) {
        Ok(scim_json(StatusCode::OK, &user_schema(&base)))
    } else if id.eq_ignore_ascii_case(ACCOUNT_SCHEMA) {
        Ok(scim_json(StatusCode::OK, &account_schema(&base)))
    } else {
        Err(ScimError::NotFound.into())
    }
}
