//! A browser stand-in: its own cookie jar and keep-alive connection, no automatic
//! redirects, and the CSRF token read from the last form it was shown.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use reqwest::cookie::CookieStore as _;
use reqwest::header::LOCATION;
use spse_protocol::TotpKey;

pub const PASSWORD: &str = "kopi tubruk pagi hari";
const KIND: &str = "non-penyedia";

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The text of the element with this id, tags stripped.
    pub fn by_id(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find("</")?;
        Some(self.body[open_end..close].trim().to_string())
    }

    fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(self.body[start..end].to_string())
    }
}

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    csrf: String,
}

impl Browser {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) spse-bench")
            .build()?;
        Ok(Self {
            base: base.to_string(),
            client,
            jar,
            csrf: String::new(),
        })
    }

    async fn read(&mut self, response: reqwest::Response) -> anyhow::Result<Page> {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await?;
        let page = Page {
            status,
            location,
            body,
        };
        if let Some(token) = page.csrf() {
            self.csrf = token;
        }
        Ok(page)
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Page> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        self.read(response).await
    }

    /// Posts a form as the page would: with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Page> {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &self.csrf)];
        form.extend_from_slice(fields);
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        self.read(response).await
    }

    /// The user ID step, up to the password form.
    pub async fn user_step(&mut self, user_id: &str) -> anyhow::Result<()> {
        self.get(&format!("/login/{KIND}")).await?;
        let page = self
            .post(&format!("/login/{KIND}"), &[("user_id", user_id)])
            .await?;
        if page.location.as_deref() != Some("/login/password") {
            bail!("user ID step for {user_id}: status {}", page.status);
        }
        self.get("/login/password").await?;
        Ok(())
    }

    /// Posts the password; returns where the server sent the browser next.
    pub async fn password_post(&mut self) -> anyhow::Result<String> {
        let page = self
            .post("/login/password", &[("password", PASSWORD)])
            .await?;
        page.location
            .with_context(|| format!("password step answered {}", page.status))
    }

    /// The whole password step, ending where the server sends the browser.
    pub async fn password_step(&mut self, user_id: &str) -> anyhow::Result<String> {
        self.user_step(user_id).await?;
        self.password_post().await
    }

    /// The key shown for manual entry on the activation page.
    pub async fn activation_key(&mut self) -> anyhow::Result<TotpKey> {
        let page = self.get("/totp/aktivasi").await?;
        let text = page
            .by_id("totp-key")
            .context("no key on the activation page")?;
        TotpKey::from_base32(&text).context("the activation key is not base32")
    }

    /// The Cookie header this browser would send, for hand-made requests.
    pub fn cookie_header(&self) -> anyhow::Result<String> {
        let url = self.base.parse()?;
        let header = self.jar.cookies(&url).context("no cookies")?;
        Ok(header.to_str()?.to_string())
    }
}
