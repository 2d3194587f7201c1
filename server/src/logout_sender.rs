//! Delivers back-channel logout tokens to the modules: an HTTP POST of
//! `logout_token=...` (OpenID Connect Back-Channel Logout 1.0, 2.5), over https with the
//! web PKI's roots (or plain http to a loopback module), no redirects followed.

use std::time::Duration;

use async_trait::async_trait;
use spse_usecases::oidc::backchannel::LogoutSender;

pub struct HttpLogoutSender {
    client: reqwest::Client,
}

impl HttpLogoutSender {
    pub fn new() -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(5))
                .build()?,
        })
    }
}

#[async_trait]
impl LogoutSender for HttpLogoutSender {
    async fn send(&self, uri: &str, logout_token: &str) -> Result<(), String> {
        let response = self
            .client
            .post(uri)
            .header("cache-control", "no-store")
            .form(&[("logout_token", logout_token)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        if status == reqwest::StatusCode::OK || status == reqwest::StatusCode::NO_CONTENT {
            Ok(())
        } else {
            Err(format!("the module answered {status}"))
        }
    }
}
