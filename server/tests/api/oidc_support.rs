//! What the OpenID Provider tests share: a registered module, a browser taken through
//! the real login for it, and a stand-in for the module's back-channel logout endpoint.

use std::sync::{Arc, Mutex};

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use spse_domain::user::UserKind;
use spse_protocol::TotpKey;
use spse_usecases::{NewClientInput, Staff};

use crate::helpers::{Browser, PASSWORD, Page, TestApp};

pub const REDIRECT: &str = "http://127.0.0.1:9/cb";

pub type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A module registered with the provider.
pub struct Module {
    pub client_id: String,
    pub secret: Option<String>,
    pub rp: Rp,
    pub http: reqwest::Client,
}

/// The bodies POSTed to the module's back-channel logout URI.
#[derive(Clone, Default)]
pub struct LogoutInbox(pub Arc<Mutex<Vec<String>>>);

impl LogoutInbox {
    /// Listens on a free loopback port; the URI to register.
    pub async fn start() -> (Self, String) {
        let inbox = Self::default();
        let kept = inbox.clone();
        let app = axum::Router::new().route(
            "/backchannel",
            axum::routing::post(move |body: String| {
                let kept = kept.clone();
                async move {
                    kept.0.lock().unwrap().push(body);
                    axum::http::StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}/backchannel", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (inbox, uri)
    }

    pub fn tokens(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|body| {
                url::form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "logout_token")
                    .map(|(_, v)| v.into_owned())
            })
            .collect()
    }
}

/// Registers a confidential module (or a public one) and discovers the provider as the
/// `openidconnect` crate does.
pub async fn module(app: &TestApp, public: bool, backchannel: Option<String>) -> Module {
    let added = app
        .auth
        .add_client(
            &Staff::command_line("test"),
            NewClientInput {
                name: "Daftar Paket".into(),
                redirect_uris: vec![REDIRECT.into()],
                public,
                backchannel_logout_uri: backchannel,
                home_url: Some("http://127.0.0.1:9/paket".into()),
            },
        )
        .await
        .unwrap();
    let secret = added.secret.map(|s| s.expose().clone());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    if let Err(e) = app.auth.jwks().await {
        panic!("JWKS: {e:?}");
    }
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(added.client.client_id.clone()),
        secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    Module {
        client_id: added.client.client_id,
        secret,
        rp,
        http,
    }
}

/// One authorization request as the module makes it.
pub struct Request {
    pub path: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
}

pub fn request(module: &Module) -> Request {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = module
        .rp
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    Request {
        path: path_of(url.as_str()),
        state,
        nonce,
        verifier,
    }
}

/// The path and query of one of our URLs.
pub fn path_of(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    }
}

/// The value of an attribute of the element with this id.
pub fn attribute(page: &Page, id: &str, attribute: &str) -> Option<String> {
    let start = page.body.find(&format!("id=\"{id}\""))?;
    let tag_start = page.body[..start].rfind('<')?;
    let tag_end = start + page.body[start..].find('>')?;
    let tag = &page.body[tag_start..tag_end];
    let marker = format!("{attribute}=\"");
    let from = tag.find(&marker)? + marker.len();
    let to = from + tag[from..].find('"')?;
    Some(
        tag[from..to]
            .replace("&#38;", "&")
            .replace("&amp;", "&")
            .replace("&#x2f;", "/"),
    )
}

/// A query parameter of a redirect `Location`.
pub fn param(location: &str, name: &str) -> Option<String> {
    url::Url::parse(location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Takes a browser with no session from the authorization request through the real
/// login (user ID, password, TOTP code) and back: the redirect to the module.
pub async fn login_through(
    app: &TestApp,
    browser: &Browser,
    request_path: &str,
    user_id: &str,
    key: &TotpKey,
) -> String {
    let page = browser.get(request_path).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.location().unwrap().starts_with("/login"),
        "to the login: {:?}",
        page.location()
    );
    app.clock.advance(30);
    let page = browser
        .password_step(UserKind::Penyedia, user_id, PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/acceptor"));
    browser.get("/totp/acceptor").await;
    let page = browser
        .post("/totp/acceptor", &[("code", &app.code(key))])
        .await;
    assert_eq!(page.location(), Some("/beranda"));
    back_to_module(browser).await
}

/// From the BERANDA's "continue" page back through the authorization endpoint.
pub async fn back_to_module(browser: &Browser) -> String {
    let page = browser.get("/beranda").await;
    let next = attribute(&page, "oidc-continue", "href").expect("a continue link");
    let page = browser.get(&next).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location().unwrap().to_string()
}
