//! `/Users`: list (GET and `.search`), create, show, replace, patch, delete.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::render::{Projection, list_json, user_json, user_location};
use super::{Provisioner, ScimFailure, json_body, scim_json};
use crate::AppState;
use spse_usecases::Client;
use spse_usecases::scim::{ScimError, ScimUser};

/// The parameters of a list or search, from the query string or a SearchRequest.
#[derive(Debug, Default)]
struct ListParams {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    projection: Projection,
}

fn integer(text: &str, what: &str) -> Result<i64, ScimError> {
    text.trim()
        .parse()
        .map_err(|_| ScimError::InvalidValue(format!("{what} must be an integer")))
}

fn query_params(query: Option<&str>) -> Result<ListParams, ScimError> {
    let mut params = ListParams::default();
    let pairs = url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned();
    for (key, value) in pairs {
        match key.to_ascii_lowercase().as_str() {
            "filter" => params.filter = Some(value),
            "startindex" => params.start_index = Some(integer(&value, "startIndex")?),
            "count" => params.count = Some(integer(&value, "count")?),
            "attributes" => params.projection.attributes.push(value),
            "excludedattributes" => params.projection.excluded.push(value),
            _ => {}
        }
    }
    Ok(params)
}

fn projection_of(query: Option<&str>) -> Result<Projection, ScimError> {
    Ok(query_params(query)?.projection)
}

/// A SearchRequest body (RFC 7644 3.4.3).
fn search_params(body: &Value) -> Result<ListParams, ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("the body must be a JSON object".into()))?;
    let get = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let strings = |name: &str| -> Result<Vec<String>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ScimError::InvalidValue(format!("{name} must be a list of strings"))
                    })
                })
                .collect(),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(_) => Err(ScimError::InvalidValue(format!(
                "{name} must be a list of strings"
            ))),
        }
    };
    let number = |name: &str| -> Result<Option<i64>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| ScimError::InvalidValue(format!("{name} must be an integer"))),
        }
    };
    Ok(ListParams {
        filter: match get("filter") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(ScimError::InvalidFilter("filter must be a string".into())),
        },
        start_index: number("startIndex")?,
        count: number("count")?,
        projection: Projection {
            attributes: strings("attributes")?,
            excluded: strings("excludedAttributes")?,
        },
    })
}

async fn listed(
    state: &AppState,
    caller: &Provisioner,
    params: ListParams,
) -> Result<Response, ScimFailure> {
    let page = state
        .auth
        .scim_list(
            &caller.0,
            params.filter.as_deref(),
            params.start_index,
            params.count,
        )
        .await?;
    let body = list_json(&state.auth.scim_base(), &page, &params.projection);
    Ok(scim_json(StatusCode::OK, &body))
}

fn one(state: &AppState, status: StatusCode, user: &ScimUser, projection: &Projection) -> Response {
    let base = state.auth.scim_base();
    let mut response = scim_json(status, &projection.apply(user_json(&base, user)));
    if let Ok(location) = HeaderValue::from_str(&user_location(&base, user)) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

pub async fn list(
    State(state): State<AppState>,
    caller: Provisioner,
    RawQuery(query): RawQuery,
) -> Result<Response, ScimFailure> {
    let params = query_params(query.as_deref())?;
    listed(&state, &caller, params).await
}

pub async fn search(
    State(state): State<AppState>,
    caller: Provisioner,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimFailure> {
    let params = search_params(&json_body(&headers, &body)?)?;
    listed(&state, &caller, params).await
}

pub async fn create(
    State(state): State<AppState>,
    caller: Provisioner,
    client: Client,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimFailure> {
    let body = json_body(&headers, &body)?;
    let user = state.auth.scim_create(&caller.0, &body, &client).await?;
    Ok(one(
        &state,
        StatusCode::CREATED,
        &user,
        &projection_of(query.as_deref())?,
    ))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Provisioner,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ScimFailure> {
    let user = state.auth.scim_user(&caller.0, &id).await?;
    Ok(one(
        &state,
        StatusCode::OK,
        &user,
        &projection_of(query.as_deref())?,
    ))
}

pub async fn replace(
    State(state): State<AppState>,
    caller: Provisioner,
    client: Client,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimFailure> {
    let body = json_body(&headers, &body)?;
    let user = state
        .auth
        .scim_replace(&caller.0, &id, &body, &client)
        .await?;
    Ok(one(
        &state,
        StatusCode::OK,
        &user,
        &projection_of(query.as_deref())?,
    ))
}

pub async fn patch(
    State(state): State<AppState>,
    caller: Provisioner,
    client: Client,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimFailure> {
    let body = json_body(&headers, &body)?;
    let user = state
        .auth
        .scim_patch(&caller.0, &id, &body, &client)
        .await?;
    Ok(one(
        &state,
        StatusCode::OK,
        &user,
        &projection_of(query.as_deref())?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Provisioner,
    client: Client,
    Path(id): Path<String>,
) -> Result<Response, ScimFailure> {
    state.auth.scim_delete(&caller.0, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
