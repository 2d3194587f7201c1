//! A device speaking the authenticator API, for tests: signs with a real Ed25519 key.

use reqwest::StatusCode;
use serde_json::Value;
use spse_domain::user::UserKind;
use spse_protocol::api::{self, DeviceKey, ENROLLING};
use spse_protocol::{OtpauthUri, TotpKey};

use crate::helpers::*;

pub struct Device {
    pub key: DeviceKey,
    pub id: String,
    pub totp: TotpKey,
}

/// The activation QR, decoded from the PNG the page shows.
pub async fn scan_qr(b: &Browser) -> OtpauthUri {
    let png = b.bytes("/totp/aktivasi/qr.png").await;
    OtpauthUri::parse(&crate::browser::read_qr(&png)).unwrap()
}

/// Sends a signed request as the app does, at the server's (pinned) time.
pub async fn signed(
    app: &TestApp,
    key: &DeviceKey,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> (StatusCode, Value) {
    let now = app.clock.now_u64() as i64;
    signed_at(app, key, device, method, path, body, now).await
}

pub async fn signed_at(
    app: &TestApp,
    key: &DeviceKey,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: i64,
) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    spse_testkit::device::signed(
        &client, &app.base, key, device, method, path, body, timestamp,
    )
    .await
    .unwrap()
}

/// A request with signature headers made beforehand (replayed or tampered with).
pub async fn send(
    app: &TestApp,
    device: &str,
    method: &str,
    path: &str,
    body: &[u8],
    h: &api::SignedHeaders,
) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    spse_testkit::device::send(&client, &app.base, device, method, path, body, h)
        .await
        .unwrap()
}

pub async fn enroll(app: &TestApp, uri: &OtpauthUri, key: &DeviceKey) -> (StatusCode, Value) {
    let body = serde_json::to_vec(&api::EnrollRequest {
        token: uri.enroll.clone().unwrap(),
        public_key: key.public_hex(),
        code: app.code(&uri.key),
        device_name: "HP Budi".into(),
    })
    .unwrap();
    signed(app, key, ENROLLING, "POST", api::ENROLL_PATH, &body).await
}

/// A user with TOTP activated through the app: the device that holds it.
pub async fn enrolled_user(app: &TestApp, user_id: &str) -> Device {
    app.add_user(user_id, UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, user_id, PASSWORD)
        .await;
    let uri = scan_qr(&b).await;
    let key = DeviceKey::generate();
    let (status, body) = enroll(app, &uri, &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.clock.advance(30);
    Device {
        key,
        id: body["device_id"].as_str().unwrap().to_string(),
        totp: uri.key,
    }
}

impl Device {
    pub async fn pending(&self, app: &TestApp) -> (StatusCode, Value) {
        signed(app, &self.key, &self.id, "GET", api::APPROVALS_PATH, b"").await
    }

    pub async fn decide(
        &self,
        app: &TestApp,
        approval: &str,
        decision: &str,
        number: Option<i64>,
    ) -> (StatusCode, Value) {
        let body = serde_json::json!({ "decision": decision, "number": number }).to_string();
        signed(
            app,
            &self.key,
            &self.id,
            "POST",
            &api::decision_path(approval),
            body.as_bytes(),
        )
        .await
    }

    /// The newest pending approval's id.
    pub async fn newest(&self, app: &TestApp) -> String {
        let (status, list) = self.pending(app).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list["approvals"][0]["id"]
            .as_str()
            .expect("a pending approval")
            .to_string()
    }
}

/// Like [`at_acceptor`] for an account whose password must change first (after a
/// "bukan saya"): the forced form is filled in on the way.
pub async fn at_acceptor_via_new_password(app: &TestApp, user_id: &str) -> (Browser, Option<i64>) {
    let b = app.browser();
    let page = b
        .password_step(UserKind::NonPenyedia, user_id, PASSWORD)
        .await;
    assert_eq!(
        page.location(),
        Some("/ganti-password"),
        "a new password is required first"
    );
    b.get("/ganti-password").await;
    let chosen = "teh manis hangat sore";
    let page = b
        .post(
            "/ganti-password",
            &[("new_password", chosen), ("confirm_password", chosen)],
        )
        .await;
    assert_eq!(page.location(), Some("/totp/acceptor"), "{}", page.body);
    let page = b.get("/totp/acceptor").await;
    let number = approval_number(&page);
    (b, number)
}

/// A browser at the acceptor for `user_id`, and the number it shows (if any).
pub async fn at_acceptor(app: &TestApp, user_id: &str) -> (Browser, Option<i64>) {
    let (b, page) = app
        .at_acceptor(UserKind::NonPenyedia, user_id, PASSWORD)
        .await;
    (b, approval_number(&page))
}

fn approval_number(acceptor: &Page) -> Option<i64> {
    acceptor
        .by_id("approval-number")
        .map(|n| n.parse().expect("a number"))
}
