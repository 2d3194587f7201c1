//! The authenticator API (`/api/authenticator/v1/`): wire types, and how every request
//! is signed by the device key.
//!
//! A request carries four headers: the device id (or [`ENROLLING`] while enrolling), a
//! unix timestamp, a random nonce and an Ed25519 signature over [`signing_input`]. The
//! server accepts a timestamp within [`MAX_SKEW_SECONDS`] of its clock and each nonce
//! once, so a captured request cannot be replayed.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const API_PREFIX: &str = "/api/authenticator/v1";
pub const ENROLL_PATH: &str = "/api/authenticator/v1/enroll";
pub const APPROVALS_PATH: &str = "/api/authenticator/v1/approvals";

pub const HEADER_DEVICE: &str = "x-spse-device";
pub const HEADER_TIMESTAMP: &str = "x-spse-timestamp";
pub const HEADER_NONCE: &str = "x-spse-nonce";
pub const HEADER_SIGNATURE: &str = "x-spse-signature";
/// On every answer: the server's clock (unix seconds), which an app whose own clock is
/// off keeps its codes and timestamps to.
pub const HEADER_SERVER_TIME: &str = "x-spse-time";
/// The device header's value on the enrolment request, signed by the key being enrolled.
pub const ENROLLING: &str = "enrolling";
/// How far a request's timestamp may be from the server's clock.
pub const MAX_SKEW_SECONDS: i64 = 60;

/// The path of the decision on one approval.
pub fn decision_path(approval_id: &str) -> String {
    format!("{APPROVALS_PATH}/{approval_id}/decision")
}

/// What is signed: method, path with query, timestamp, nonce and the body's SHA-256.
pub fn signing_input(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    format!(
        "SPSE-AUTHENTICATOR-V1\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        nonce,
        hex::encode(Sha256::digest(body))
    )
    .into_bytes()
}

/// The headers of one signed request.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

/// A device's private key (Ed25519).
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the operating system's random generator failed");
        Self(SigningKey::from_bytes(&seed))
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(bytes))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public key, hex encoded, as sent when enrolling.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    /// Signs a request made at `timestamp` with a fresh nonce.
    pub fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        timestamp: i64,
        body: &[u8],
    ) -> SignedHeaders {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the operating system's random generator failed");
        let nonce = hex::encode(nonce);
        let signature = self.0.sign(&signing_input(
            method,
            path_and_query,
            timestamp,
            &nonce,
            body,
        ));
        SignedHeaders {
            timestamp,
            nonce,
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// Why a signature was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the public key is not a valid Ed25519 key")]
    BadKey,
    #[error("the signature does not verify")]
    BadSignature,
}

/// Checks a request's signature against a device's public key (hex).
pub fn verify(
    public_hex: &str,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
    signature_hex: &str,
) -> Result<(), SignatureError> {
    let key: [u8; 32] = hex::decode(public_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureError::BadKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| SignatureError::BadKey)?;
    let signature: [u8; 64] = hex::decode(signature_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureError::BadSignature)?;
    key.verify(
        &signing_input(method, path_and_query, timestamp, nonce, body),
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| SignatureError::BadSignature)
}

/// `POST /enroll`: binds a device to the account whose activation QR it scanned.
#[derive(Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The `enroll` parameter of the QR's otpauth URI.
    pub token: String,
    /// The device's Ed25519 public key, hex.
    pub public_key: String,
    /// A current code from the scanned secret: proof that the secret arrived intact.
    pub code: String,
    /// A name for the device, shown to the user.
    pub device_name: String,
}

/// The token and the code open the account's activation: never in a log.
impl std::fmt::Debug for EnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollRequest")
            .field("public_key", &self.public_key)
            .field("device_name", &self.device_name)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    pub issuer: String,
    pub account: String,
}

/// What an approval is asked for: a login, or taking TOTP off the account from a
/// signed-in session (DISABLE TOTP). A server that sends no purpose means a login.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalPurpose {
    #[default]
    Login,
    DisableTotp,
}

impl ApprovalPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::DisableTotp => "disable_totp",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Login, Self::DisableTotp]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// A login (or a DISABLE TOTP) waiting for a decision. The number to match is
/// deliberately absent: it is shown only in the browser and must be typed in the app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingApproval {
    pub id: String,
    pub account: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    #[serde(default)]
    pub purpose: ApprovalPurpose,
}

/// `GET /approvals`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingList {
    pub approvals: Vec<PendingApproval>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Deny,
    /// "Bukan saya": refused, reported, and further approvals pause for a while.
    NotMe,
}

/// `POST /approvals/{id}/decision`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionRequest {
    pub decision: Decision,
    /// The number shown in the browser; required to approve.
    pub number: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionResponse {
    pub decision: Decision,
}

/// Machine-readable reasons an API request failed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    BadSignature,
    ClockSkew,
    Replayed,
    UnknownDevice,
    InvalidToken,
    WrongCode,
    NotFound,
    Expired,
    AlreadyDecided,
    WrongNumber,
    Locked,
    Unavailable,
}

impl ErrorCode {
    /// The one table from error code to HTTP status and English message: the server
    /// answers with it, and test servers that stand in for it use the same.
    pub fn status_and_message(self) -> (u16, &'static str) {
        match self {
            Self::BadRequest => (400, "malformed request"),
            Self::BadSignature => (401, "signature does not verify"),
            Self::ClockSkew => (401, "timestamp too far from the server's clock"),
            Self::Replayed => (401, "this request was already received"),
            Self::UnknownDevice => (401, "device not bound to any account"),
            Self::InvalidToken => (404, "activation QR code used already or expired"),
            Self::NotFound => (404, "no such login request"),
            Self::AlreadyDecided => (409, "this login request was already decided"),
            Self::Expired => (410, "this login request expired"),
            Self::WrongNumber => (422, "the number does not match"),
            Self::WrongCode => (422, "the code is wrong"),
            Self::Locked => (423, "too many failures; try again later"),
            Self::Unavailable => (503, "service unavailable"),
        }
    }

    /// The HTTP status this code is sent with.
    pub fn status(self) -> u16 {
        self.status_and_message().0
    }

    /// The body sent with this code.
    pub fn body(self) -> ApiError {
        ApiError {
            error: self,
            message: self.status_and_message().1.into(),
        }
    }
}

/// The body of every failed API response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorCode,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_bind_every_part() {
        let key = DeviceKey::generate();
        let body = br#"{"decision":"approve","number":42}"#;
        let h = key.sign(
            "post",
            "/api/authenticator/v1/approvals/a/decision",
            1000,
            body,
        );
        let ok = |method: &str, path: &str, ts: i64, nonce: &str, body: &[u8]| {
            verify(
                &key.public_hex(),
                method,
                path,
                ts,
                nonce,
                body,
                &h.signature,
            )
        };
        let path = "/api/authenticator/v1/approvals/a/decision";
        assert_eq!(ok("POST", path, 1000, &h.nonce, body), Ok(()));
        assert!(ok("GET", path, 1000, &h.nonce, body).is_err());
        assert!(
            ok(
                "POST",
                "/api/authenticator/v1/approvals/b/decision",
                1000,
                &h.nonce,
                body
            )
            .is_err()
        );
        assert!(ok("POST", path, 1001, &h.nonce, body).is_err());
        assert!(ok("POST", path, 1000, "00", body).is_err());
        assert!(ok("POST", path, 1000, &h.nonce, b"{}").is_err());
        let other = DeviceKey::generate();
        assert_eq!(
            verify(
                &other.public_hex(),
                "POST",
                path,
                1000,
                &h.nonce,
                body,
                &h.signature
            ),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            verify("zz", "POST", path, 1000, &h.nonce, body, &h.signature),
            Err(SignatureError::BadKey)
        );
    }

    #[test]
    fn keys_round_trip_and_nonces_differ() {
        let key = DeviceKey::generate();
        let again = DeviceKey::from_bytes(&key.to_bytes());
        assert_eq!(key.public_hex(), again.public_hex());
        assert_ne!(
            key.sign("GET", "/", 1, b"").nonce,
            key.sign("GET", "/", 1, b"").nonce
        );
    }

    #[test]
    fn wire_names_are_snake_case() {
        let json = serde_json::to_string(&DecisionRequest {
            decision: Decision::NotMe,
            number: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"decision":"not_me","number":null}"#);
        let json = serde_json::to_string(&ErrorCode::AlreadyDecided).unwrap();
        assert_eq!(json, r#""already_decided""#);
    }
}
