//! The OpenID Provider as a module drives it: a signed-in browser sent to the
//! authorization endpoint and straight back with a code, the module exchanging that code
//! (PKCE S256, client secret), and the module refreshing its tokens (each refresh token
//! rotates, so every request presents the one the last answer gave).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use spse_testkit::Browser;
use tokio::sync::Mutex;

use crate::load::{Sample, closed_loop};
use crate::server::Target;

/// Where the provider sends the browser back: never fetched, the code is read off the
/// `Location` header.
const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// A confidential module registered with `spse-auth client add --json`.
#[derive(Clone)]
pub struct Module {
    pub client_id: String,
    pub secret: String,
}

impl Module {
    pub fn register(target: &Target) -> anyhow::Result<Self> {
        let output = target
            .command()
            .args(["client", "add", "--name", "Bench module"])
            .args(["--redirect-uri", REDIRECT, "--json"])
            .output()?;
        if !output.status.success() {
            bail!(
                "spse-auth client add: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let added: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let field = |name: &str| {
            added[name]
                .as_str()
                .map(str::to_string)
                .with_context(|| format!("client add printed no {name}"))
        };
        Ok(Self {
            client_id: field("client_id")?,
            secret: field("client_secret")?,
        })
    }
}

/// The tokens the module holds after an exchange.
struct Tokens {
    refresh: String,
}

/// One authorization round trip: the browser (already signed in) asks for a code, the
/// module exchanges it. Returns the time from the authorization request to the tokens.
async fn round_trip(
    browser: &Browser,
    http: &reqwest::Client,
    module: &Module,
) -> anyhow::Result<(Duration, Tokens)> {
    let verifier = spse_domain::token::random_hex(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = spse_domain::token::random_hex(8);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &module.client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid profile email")
        .append_pair("state", &state)
        .append_pair("nonce", &spse_domain::token::random_hex(8))
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let sent = Instant::now();
    let page = browser
        .try_get(&format!("/oauth2/authorize?{query}"))
        .await?;
    let location = page
        .location()
        .with_context(|| format!("authorization answered {} without a redirect", page.status))?;
    let back = url::Url::parse(location)?;
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state.as_str()) {
        bail!("authorization came back to {location}");
    }
    let code = param("code").with_context(|| format!("no code in {location}"))?;
    let tokens = token_request(
        http,
        &browser.base,
        module,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await?;
    Ok((sent.elapsed(), tokens))
}

async fn token_request(
    http: &reqwest::Client,
    base: &str,
    module: &Module,
    form: &[(&str, &str)],
) -> anyhow::Result<Tokens> {
    let response = http
        .post(format!("{base}/oauth2/token"))
        .basic_auth(&module.client_id, Some(&module.secret))
        .form(form)
        .send()
        .await?;
    let status = response.status();
    let body: serde_json::Value = response.json().await?;
    if status != 200 || body["id_token"].as_str().is_none() {
        bail!("token endpoint answered {status}: {body}");
    }
    let refresh = body["refresh_token"]
        .as_str()
        .context("no refresh token")?
        .to_string();
    Ok(Tokens { refresh })
}

/// The module's side of a client: one keep-alive connection to the token endpoint.
fn module_http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap_or_default()
}

struct Client {
    browser: Arc<Browser>,
    http: reqwest::Client,
    refresh: Option<String>,
}

/// Signed-in browsers, one per client, doing round trips back to back for `duration`.
/// Returns the sample and each browser's newest refresh token for the refresh load.
pub async fn round_trips(
    browsers: Vec<Browser>,
    module: &Module,
    duration: Duration,
) -> (Sample, Vec<(reqwest::Client, String)>) {
    let clients: Vec<_> = browsers
        .into_iter()
        .map(|browser| {
            Arc::new(Mutex::new(Client {
                browser: Arc::new(browser),
                http: module_http(),
                refresh: None,
            }))
        })
        .collect();
    let module = Arc::new(module.clone());
    let shared = clients.clone();
    let sample = closed_loop(
        clients.len(),
        duration,
        move |i| shared[i].clone(),
        move |client: &mut Arc<Mutex<Client>>| {
            let (client, module) = (client.clone(), module.clone());
            async move {
                let mut client = client.lock().await;
                let (latency, tokens) = round_trip(&client.browser, &client.http, &module).await?;
                client.refresh = Some(tokens.refresh);
                Ok(latency)
            }
        },
    )
    .await;
    let mut held = Vec::new();
    for client in clients {
        let mut client = client.lock().await;
        if let Some(refresh) = client.refresh.take() {
            held.push((client.http.clone(), refresh));
        }
    }
    (sample, held)
}

/// Each client refreshes back to back, presenting the token the last answer gave.
pub async fn refreshes(
    base: &str,
    module: &Module,
    held: Vec<(reqwest::Client, String)>,
    duration: Duration,
) -> Sample {
    let held: Vec<_> = held.into_iter().map(|h| Arc::new(Mutex::new(h))).collect();
    let (base, module) = (Arc::new(base.to_string()), Arc::new(module.clone()));
    closed_loop(
        held.len(),
        duration,
        move |i| held[i].clone(),
        move |slot: &mut Arc<Mutex<(reqwest::Client, String)>>| {
            let (slot, base, module) = (slot.clone(), base.clone(), module.clone());
            async move {
                let mut slot = slot.lock().await;
                let (http, refresh) = &mut *slot;
                let sent = Instant::now();
                let tokens = token_request(
                    http,
                    &base,
                    &module,
                    &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                )
                .await?;
                let latency = sent.elapsed();
                *refresh = tokens.refresh;
                Ok(latency)
            }
        },
    )
    .await
}
