//! Talking to spse-auth's authenticator API (`spse_protocol::api`): every request is
//! signed by the device key, over the exact bytes and path that go on the wire.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use spse_protocol::api::{
    self, APPROVALS_PATH, ApiError, DecisionRequest, DecisionResponse, DeviceKey, ENROLL_PATH,
    ENROLLING, EnrollRequest, EnrollResponse, ErrorCode, PendingApproval, PendingList,
};
use url::{Host, Url};

/// How long one request may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Answers are small JSON documents; anything bigger is not from spse-auth.
const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// Why a request did not end with the answer asked for.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("not an http(s) server address: {0}")]
    BadServer(String),
    #[error("the server does not answer: {0}")]
    Unreachable(String),
    /// The server understood and said no; `code` says why.
    #[error("the server refused (HTTP {status}, {code:?}): {message}")]
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    #[error("unexpected answer from the server (HTTP {status}): {detail}")]
    Unexpected { status: u16, detail: String },
}

/// One server, as named by the activation QR code's `server` parameter.
pub struct ApiClient {
    base: Url,
    agent: ureq::Agent,
}

impl ApiClient {
    pub fn new(server: &str) -> Result<Self, RequestError> {
        let bad = || RequestError::BadServer(server.to_string());
        let base = Url::parse(server.trim()).map_err(|_| bad())?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(bad());
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            // A redirect would change the signed path; report it instead of following.
            .max_redirects(0)
            .user_agent(concat!("spse-authenticator/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            base,
            agent: config.into(),
        })
    }

    /// Plain http to anything but this machine sends the approvals in clear text.
    pub fn is_insecure(&self) -> bool {
        self.base.scheme() == "http"
            && !match self.base.host() {
                Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    }

    /// Binds `key` to the account whose activation QR code held `request.token`.
    pub fn enroll(
        &self,
        key: &DeviceKey,
        request: &EnrollRequest,
        now: i64,
    ) -> Result<EnrollResponse, RequestError> {
        self.send(key, ENROLLING, ENROLL_PATH, Some(request), now)
    }

    /// The logins waiting for this device's decision.
    pub fn pending(
        &self,
        key: &DeviceKey,
        device_id: &str,
        now: i64,
    ) -> Result<Vec<PendingApproval>, RequestError> {
        let list: PendingList = self.send::<(), _>(key, device_id, APPROVALS_PATH, None, now)?;
        Ok(list.approvals)
    }

    pub fn decide(
        &self,
        key: &DeviceKey,
        device_id: &str,
        approval_id: &str,
        request: &DecisionRequest,
        now: i64,
    ) -> Result<DecisionResponse, RequestError> {
        // The id came from the server; it must not be able to steer the request elsewhere.
        let safe = !approval_id.is_empty()
            && approval_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !safe {
            return Err(RequestError::Unexpected {
                status: 200,
                detail: "approval id with unexpected characters".into(),
            });
        }
        self.send(
            key,
            device_id,
            &api::decision_path(approval_id),
            Some(request),
            now,
        )
    }

    /// A GET without `body`, else a POST of its JSON; the answer parsed as `T` on 2xx,
    /// as [`ApiError`] otherwise.
    fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        key: &DeviceKey,
        device: &str,
        api_path: &str,
        body: Option<&B>,
        now: i64,
    ) -> Result<T, RequestError> {
        let path = format!("{}{api_path}", self.base.path().trim_end_matches('/'));
        let mut url = self.base.clone();
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        let bytes = match body {
            Some(body) => serde_json::to_vec(body).map_err(|e| RequestError::Unexpected {
                status: 0,
                detail: e.to_string(),
            })?,
            None => Vec::new(),
        };
        let method = if body.is_some() { "POST" } else { "GET" };
        let signed = key.sign(method, &path, now, &bytes);
        let headers = [
            (api::HEADER_DEVICE, device.to_string()),
            (api::HEADER_TIMESTAMP, signed.timestamp.to_string()),
            (api::HEADER_NONCE, signed.nonce),
            (api::HEADER_SIGNATURE, signed.signature),
            ("accept", "application/json".to_string()),
        ];
        let result = if body.is_some() {
            let mut request = self.agent.post(url.as_str());
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            request
                .header("content-type", "application/json")
                .send(&bytes[..])
        } else {
            let mut request = self.agent.get(url.as_str());
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            request.call()
        };
        let mut response = result.map_err(|e| RequestError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let answer = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| RequestError::Unreachable(e.to_string()))?;
        if response.status().is_success() {
            return serde_json::from_slice(&answer).map_err(|e| RequestError::Unexpected {
                status,
                detail: e.to_string(),
            });
        }
        match serde_json::from_slice::<ApiError>(&answer) {
            Ok(error) => Err(RequestError::Refused {
                status,
                code: error.error,
                message: error.message,
            }),
            Err(_) => Err(RequestError::Unexpected {
                status,
                detail: String::from_utf8_lossy(&answer).chars().take(200).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_servers() {
        assert!(ApiClient::new("https://lpse.example.go.id").is_ok());
        assert!(ApiClient::new("http://127.0.0.1:8080").is_ok());
        for bad in ["ftp://x", "not a url", "http://", "file:///etc/passwd"] {
            assert!(
                matches!(ApiClient::new(bad), Err(RequestError::BadServer(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn plain_http_is_insecure_except_to_this_machine() {
        let insecure = |s: &str| ApiClient::new(s).map(|c| c.is_insecure()).ok();
        assert_eq!(insecure("http://127.0.0.1:8080"), Some(false));
        assert_eq!(insecure("http://localhost"), Some(false));
        assert_eq!(insecure("http://[::1]:1"), Some(false));
        assert_eq!(insecure("https://lpse.example.go.id"), Some(false));
        assert_eq!(insecure("http://lpse.example.go.id"), Some(true));
        assert_eq!(insecure("http://10.0.0.5"), Some(true));
    }
}
