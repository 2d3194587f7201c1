//! The authenticator's side of push approval: an Ed25519 device key bound through the
//! activation page's enrolment token, signing every request as the app does.

use anyhow::{Context as _, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};
use spse_protocol::TotpKey;
use spse_protocol::api::{self, DeviceKey, ENROLLING};
use spse_testkit::device::unix_now;

pub struct Device {
    key: DeviceKey,
    id: String,
    client: reqwest::Client,
}

/// The `enroll` parameter the activation QR carries: derived from the secret (see
/// `crates/domain/src/totp.rs`), so the bench need not decode the PNG.
fn enroll_token(key: &TotpKey) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"spse-enroll-v1");
    hasher.update(key.secret());
    hex::encode(hasher.finalize())
}

/// A request signed now, as the app signs it.
async fn send(
    client: &reqwest::Client,
    base: &str,
    key: &DeviceKey,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> anyhow::Result<(u16, Value)> {
    let now = unix_now() as i64;
    let (status, json) =
        spse_testkit::device::signed(client, base, key, device, method, path, body, now).await?;
    Ok((status.as_u16(), json))
}

impl Device {
    /// Binds a new device to the account whose activation page showed `totp`.
    pub async fn enroll(base: &str, totp: &TotpKey) -> anyhow::Result<Self> {
        let client = reqwest::Client::new();
        let key = DeviceKey::generate();
        let body = serde_json::to_vec(&api::EnrollRequest {
            token: enroll_token(totp),
            public_key: key.public_hex(),
            code: totp.code_at(unix_now()),
            device_name: "bench".into(),
        })?;
        let (status, json) = send(
            &client,
            base,
            &key,
            ENROLLING,
            "POST",
            api::ENROLL_PATH,
            &body,
        )
        .await?;
        if status != 200 {
            bail!("enrol: {status} {json}");
        }
        let id = json["device_id"]
            .as_str()
            .context("device_id in the enrolment answer")?
            .to_string();
        Ok(Self { key, id, client })
    }

    /// The newest pending approval's id.
    pub async fn newest_pending(&self, base: &str) -> anyhow::Result<String> {
        let (status, json) = send(
            &self.client,
            base,
            &self.key,
            &self.id,
            "GET",
            api::APPROVALS_PATH,
            b"",
        )
        .await?;
        if status != 200 {
            bail!("pending approvals: {status} {json}");
        }
        json["approvals"][0]["id"]
            .as_str()
            .map(str::to_string)
            .context("no pending approval")
    }

    pub async fn approve(&self, base: &str, approval: &str, number: u32) -> anyhow::Result<()> {
        let body = serde_json::to_vec(&api::DecisionRequest {
            decision: api::Decision::Approve,
            number: Some(number),
        })?;
        let (status, json) = send(
            &self.client,
            base,
            &self.key,
            &self.id,
            "POST",
            &api::decision_path(approval),
            &body,
        )
        .await?;
        if status != 200 {
            bail!("approve: {status} {json}");
        }
        Ok(())
    }
}
