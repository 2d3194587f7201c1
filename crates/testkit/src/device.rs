//! Requests signed as the authenticator app signs them (Ed25519 over method, path,
//! timestamp, nonce and body hash; see `spse_protocol::api`).

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde_json::Value;
use spse_protocol::api::{self, DeviceKey, SignedHeaders};

/// Wall-clock seconds, for drivers of a server that runs on the real clock (separate
/// processes, the bench); tests of an app in-process use its pinned clock instead.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A request from device `device`, signed by `key` as made at `timestamp`. The answer's
/// status and JSON body (`Null` when it has none).
#[allow(clippy::too_many_arguments)]
pub async fn signed(
    client: &reqwest::Client,
    base: &str,
    key: &DeviceKey,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: i64,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let headers = key.sign(method, path, timestamp, body);
    send(client, base, device, method, path, body, &headers).await
}

/// A request with signature headers made beforehand (to replay or tamper with them).
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
    headers: &SignedHeaders,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let method: reqwest::Method = method.parse().expect("an HTTP method");
    let response = client
        .request(method, format!("{base}{path}"))
        .header(api::HEADER_DEVICE, device)
        .header(api::HEADER_TIMESTAMP, headers.timestamp.to_string())
        .header(api::HEADER_NONCE, &headers.nonce)
        .header(api::HEADER_SIGNATURE, &headers.signature)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}
