//! A browser stand-in: its own cookie jar, no automatic redirects, and the CSRF token of
//! the last form it was shown, posted back the way a real form does.
//!
//! Each step comes twice: `try_*` returns what went wrong (the bench counts failures
//! under load), the plain one panics with it (a test fails there).

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use reqwest::cookie::CookieStore as _;
use spse_domain::user::UserKind;
use spse_protocol::TotpKey;

use crate::page::Page;

const TEST_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) spse-auth-tests";

/// Why a step through the pages did not end where it should.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("{0}")]
    Request(#[from] reqwest::Error),
    #[error("{step}: answered {status}, location {location:?}")]
    Unexpected {
        step: String,
        status: StatusCode,
        location: Option<String>,
    },
    #[error("the activation page shows no base32 key")]
    NoKey,
}

impl FlowError {
    fn unexpected(step: String, page: &Page) -> Self {
        Self::Unexpected {
            step,
            status: page.status,
            location: page.location().map(str::to_string),
        }
    }
}

/// One browser: its own cookies, no automatic redirects, the last CSRF token seen.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    csrf: Mutex<Option<String>>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self::with_user_agent(base, TEST_AGENT)
    }

    /// The agent is what the access log shows; the bench names itself.
    pub fn with_user_agent(base: &str, user_agent: &str) -> Self {
        Self::build(base, user_agent, None)
    }

    /// A browser on another machine, as the server sees it: its connections come from
    /// `address` (any of 127.0.0.0/8 reaches a server on 127.0.0.1).
    pub fn from_address(base: &str, address: std::net::IpAddr) -> Self {
        Self::build(base, TEST_AGENT, Some(address))
    }

    fn build(base: &str, user_agent: &str, address: Option<std::net::IpAddr>) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .local_address(address)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()
            .expect("an HTTP client with a cookie jar");
        Self {
            base: base.to_string(),
            client,
            jar,
            csrf: Mutex::new(None),
        }
    }

    /// A second browser that carries a copied session cookie (a stolen or kept id).
    pub fn with_session_cookie(base: &str, value: &str) -> Self {
        let browser = Self::new(base);
        let url = base.parse().expect("base URL");
        browser
            .jar
            .add_cookie_str(&format!("spse_session={value}; Path=/"), &url);
        browser
    }

    async fn read(&self, response: reqwest::Response) -> Result<Page, reqwest::Error> {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await?;
        let page = Page {
            status,
            headers,
            body,
        };
        if let Some(token) = page.csrf() {
            *self.csrf.lock().expect("csrf lock") = Some(token);
        }
        Ok(page)
    }

    pub async fn try_get(&self, path: &str) -> Result<Page, reqwest::Error> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        self.read(response).await
    }

    pub async fn get(&self, path: &str) -> Page {
        self.try_get(path)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The body of `path` as bytes (an image, a sound), which must answer 200.
    pub async fn bytes(&self, path: &str) -> Vec<u8> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {path}");
        response.bytes().await.expect("the body").to_vec()
    }

    /// The token of the last form this browser was shown.
    pub fn csrf(&self) -> String {
        self.csrf
            .lock()
            .expect("csrf lock")
            .clone()
            .unwrap_or_default()
    }

    /// Posts a form as the page would: with the CSRF token of the last page seen.
    pub async fn try_post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Page, reqwest::Error> {
        let token = self.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        self.try_post_raw(path, &form).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.try_post(path, fields)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Posts exactly these fields, no token added.
    pub async fn try_post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Page, reqwest::Error> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await?;
        self.read(response).await
    }

    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.try_post_raw(path, fields)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Choose the kind, enter the user ID: ends on the way to the password step.
    pub async fn try_start_login(&self, kind: UserKind, user_id: &str) -> Result<(), FlowError> {
        let path = format!("/login/{}", kind.as_str());
        self.try_get(&path).await?;
        let page = self.try_post(&path, &[("user_id", user_id)]).await?;
        if page.location() != Some("/login/password") {
            return Err(FlowError::unexpected(
                format!("user ID step for {user_id}"),
                &page,
            ));
        }
        Ok(())
    }

    pub async fn start_login(&self, kind: UserKind, user_id: &str) {
        if let Err(e) = self.try_start_login(kind, user_id).await {
            panic!("{e}");
        }
    }

    /// Up to the code step: returns where the password step sent us.
    pub async fn try_password_step(
        &self,
        kind: UserKind,
        user_id: &str,
        password: &str,
    ) -> Result<Page, FlowError> {
        self.try_start_login(kind, user_id).await?;
        self.try_get("/login/password").await?;
        Ok(self
            .try_post("/login/password", &[("password", password)])
            .await?)
    }

    pub async fn password_step(&self, kind: UserKind, user_id: &str, password: &str) -> Page {
        self.try_password_step(kind, user_id, password)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The key shown for manual entry on the activation page.
    pub async fn try_activation_key(&self) -> Result<TotpKey, FlowError> {
        let page = self.try_get("/totp/aktivasi").await?;
        if page.status != StatusCode::OK {
            return Err(FlowError::unexpected("the activation page".into(), &page));
        }
        let text = page.by_id("totp-key").ok_or(FlowError::NoKey)?;
        TotpKey::from_base32(&text).ok_or(FlowError::NoKey)
    }

    pub async fn activation_key(&self) -> TotpKey {
        self.try_activation_key()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The Cookie header this browser would send, for hand-made requests.
    pub fn cookie_header(&self) -> Option<String> {
        let url = self.base.parse().expect("base URL");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok().map(str::to_string)
    }

    /// The current session cookie's value.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookie_header()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("spse_session="))
            .map(str::to_string)
    }
}
