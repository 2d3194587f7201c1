//! What the SCIM tests share: a provisioning token from the real command line, and
//! requests to `/scim/v2` as the procurement system sends them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ACCOUNT_SCHEMA: &str = "urn:spse:params:scim:schemas:extension:spse:2.0:User";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// `spse-auth scim token add NAME`, and the token it printed.
pub async fn add_token(app: &TestApp, name: &str) -> String {
    let out = app.run_cli(&["scim", "token", "add", name]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find(|l| l.starts_with("spse_scim_"))
        .expect("the token is printed")
        .to_string()
}

/// One answer, read as SCIM: status, media type and the JSON body (`Null` when empty).
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Asserts an error in RFC 7644 3.12's format, and returns its `scimType`.
    pub fn error(&self, status: u16) -> Option<String> {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.content_type, "application/scim+json");
        assert_eq!(self.body["schemas"], json!([ERROR_SCHEMA]), "{}", self.body);
        assert_eq!(self.body["status"], status.to_string(), "{}", self.body);
        self.body["scimType"].as_str().map(str::to_string)
    }
}

pub struct Scim {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Scim {
    pub fn new(app: &TestApp, token: Option<&str>) -> Self {
        Self {
            base: format!("{}/scim/v2", app.base),
            token: token.map(str::to_string),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("SCIM request");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            content_type,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    /// Creates a user and returns its id.
    pub async fn create(&self, user_name: &str, kind: &str) -> String {
        let answer = self
            .send("POST", "/Users", Some(&new_user(user_name, kind)))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.body["id"].as_str().unwrap().to_string()
    }

    pub async fn patch(&self, id: &str, operations: Value) -> Answer {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        self.send("PATCH", &format!("/Users/{id}"), Some(&body))
            .await
    }
}

pub fn new_user(user_name: &str, kind: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ACCOUNT_SCHEMA],
        "userName": user_name,
        "displayName": format!("Pengguna {user_name}"),
        "emails": [{"value": format!("{}@vendor.example.co.id", user_name.to_lowercase()), "type": "work", "primary": true}],
        "externalId": format!("sirup-{user_name}"),
        ACCOUNT_SCHEMA: {"kind": kind},
    })
}
