//! What the OpenID Provider refuses, as a module or an attacker sees it.

use openidconnect::{AuthorizationCode, OAuth2TokenResponse, PkceCodeVerifier};
use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::oidc_support::*;

/// A module's token request by hand: (status, JSON body).
async fn token_post(
    app: &TestApp,
    module: &Module,
    fields: &[(&str, &str)],
    secret: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut request = module
        .http
        .post(format!("{}/oauth2/token", app.base))
        .form(fields);
    if let Some(secret) = secret {
        request = request.basic_auth(&module.client_id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

/// A signed-in browser, a code for `request`, and the verifier that goes with it.
async fn code_for(
    app: &TestApp,
    module: &Module,
    user_id: &str,
) -> (crate::helpers::Browser, String, PkceCodeVerifier) {
    let (browser, code, verifier, _) = code_and_key_for(app, module, user_id).await;
    (browser, code, verifier)
}

/// As [`code_for`], with the user's TOTP key.
async fn code_and_key_for(
    app: &TestApp,
    module: &Module,
    user_id: &str,
) -> (
    crate::helpers::Browser,
    String,
    PkceCodeVerifier,
    spse_protocol::TotpKey,
) {
    let key = app.add_active_user(user_id, UserKind::Penyedia).await;
    let request = request(module);
    let browser = app.browser();
    let back = login_through(app, &browser, &request.path, user_id, &key).await;
    (
        browser,
        param(&back, "code").unwrap(),
        request.verifier,
        key,
    )
}

fn authorize_path(module: &Module, extra: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&scope=openid&client_id={}&redirect_uri={}&state=s1{extra}",
        module.client_id,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    )
}

const CHALLENGE: &str =
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

#[tokio::test]
async fn an_unregistered_redirect_uri_or_client_gets_a_page_never_a_redirect() {
    let app = spawn_app().await;
    let module = module(&app, false, None).await;
    let browser = app.browser();
    for path in [
        authorize_path(&module, CHALLENGE).replace("%2Fcb", "%2Fcb2"),
        authorize_path(&module, CHALLENGE).replace(&module.client_id, "unknown"),
        authorize_path(&module, CHALLENGE).replace("127.0.0.1%3A9", "evil.example"),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(page.location(), None, "never a redirect: {path}");
        assert!(page.body.contains("tidak terdaftar"), "{}", page.body);
    }
}

#[tokio::test]
async fn pkce_is_required_and_only_s256() {
    let app = spawn_app().await;
    let module = module(&app, true, None).await;
    let browser = app.browser();
    for extra in [
        String::new(),
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain"
            .to_string(),
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_string(),
    ] {
        let page = browser.get(&authorize_path(&module, &extra)).await;
        let location = page.location().expect("errors go back to a registered URI");
        assert!(location.starts_with(REDIRECT));
        assert_eq!(
            param(location, "error").as_deref(),
            Some("invalid_request"),
            "{extra}"
        );
        assert_eq!(param(location, "state").as_deref(), Some("s1"));
    }
    // A wrong verifier: the code is refused (and spent).
    let (_, code, _) = code_for(&app, &module, "PKCE1").await;
    let wrong = "x".repeat(43);
    let (status, body) = token_post(
        &app,
        &module,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &module.client_id),
            ("code_verifier", &wrong),
        ],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required_and_max_age_0_forces_a_login() {
    let app = spawn_app().await;
    let module = module(&app, false, None).await;
    let page = app
        .browser()
        .get(&authorize_path(
            &module,
            &format!("{CHALLENGE}&prompt=none"),
        ))
        .await;
    assert_eq!(
        param(page.location().unwrap(), "error").as_deref(),
        Some("login_required")
    );
    // Signed in all the way, yet max_age=0 sends the browser through the login again.
    let key = app.add_active_user("FRESH1", UserKind::Penyedia).await;
    let browser = app
        .login(UserKind::Penyedia, "FRESH1", PASSWORD, &key)
        .await;
    let plain = browser.get(&authorize_path(&module, CHALLENGE)).await;
    assert!(
        plain.location().unwrap().starts_with(REDIRECT),
        "a full session gets a code"
    );
    let forced = browser
        .get(&authorize_path(
            &module,
            &format!("{CHALLENGE}&max_age=0&login_hint=FRESH1"),
        ))
        .await;
    assert_eq!(forced.location(), Some("/login?user_id=FRESH1"));
    let choose = browser.get("/login?user_id=FRESH1").await;
    assert!(choose.body.contains("/login/penyedia?user_id=FRESH1"));
    // Coming back without logging in again still does not count as fresh.
    let again = browser
        .get(&authorize_path(
            &module,
            &format!("{CHALLENGE}&max_age=0&login_hint=FRESH1"),
        ))
        .await;
    assert!(again.location().unwrap().starts_with("/login"));
    // A half-open session (the password only) never yields a code.
    app.clock.advance(30);
    let half = app.browser();
    half.password_step(UserKind::Penyedia, "FRESH1", PASSWORD)
        .await;
    let page = half.get(&authorize_path(&module, CHALLENGE)).await;
    assert!(page.location().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_issued() {
    let app = spawn_app().await;
    let module = module(&app, false, None).await;
    let (_, code, verifier) = code_for(&app, &module, "REUSE1").await;
    let verifier = verifier.secret().clone();
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let secret = module.secret.clone().unwrap();
    let (status, first) = token_post(&app, &module, &fields, Some(&secret)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let access = first["access_token"].as_str().unwrap().to_string();
    let (status, second) = token_post(&app, &module, &fields, Some(&secret)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(second["error"], "invalid_grant");
    let info = module
        .http
        .get(format!("{}/oauth2/userinfo", app.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        info.status(),
        StatusCode::UNAUTHORIZED,
        "the first tokens are revoked"
    );
    let (status, _) = token_post(
        &app,
        &module,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ],
        Some(&secret),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_expired_code_and_a_wrong_secret_are_refused() {
    let app = spawn_app().await;
    let module = module(&app, false, None).await;
    let (_, code, verifier) = code_for(&app, &module, "LATE1").await;
    let verifier = verifier.secret().clone();
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, body) = token_post(&app, &module, &fields, Some("not-the-secret")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    app.clock.advance(60);
    let secret = module.secret.clone().unwrap();
    let (status, body) = token_post(&app, &module, &fields, Some(&secret)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "code expired");
}

#[tokio::test]
async fn a_replayed_refresh_token_revokes_its_family() {
    let app = spawn_app().await;
    let module = module(&app, false, None).await;
    let (_, code, verifier) = code_for(&app, &module, "ROT1").await;
    let tokens = module
        .rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&module.http)
        .await
        .unwrap();
    let first = tokens.refresh_token().unwrap().clone();
    let rotated = module
        .rp
        .exchange_refresh_token(&first)
        .unwrap()
        .request_async(&module.http)
        .await
        .unwrap();
    let secret = module.secret.clone().unwrap();
    let (status, body) = token_post(
        &app,
        &module,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first.secret()),
        ],
        Some(&secret),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    let (status, _) = token_post(
        &app,
        &module,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rotated.refresh_token().unwrap().secret()),
        ],
        Some(&secret),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the newest one of the family too"
    );
}

#[tokio::test]
async fn no_token_works_after_bukan_saya_a_reset_disable_totp_or_a_helpdesk_disable() {
    let app = spawn_app().await;
    let module = module(&app, false, None).await;
    let secret = module.secret.clone().unwrap();
    for (user_id, end) in [
        ("NOTME1", "bukan saya"),
        ("RESET1", "reset"),
        ("NOTOTP1", "disable totp"),
        ("GONE1", "helpdesk disable"),
    ] {
        let (browser, code, verifier, key) = code_and_key_for(&app, &module, user_id).await;
        let verifier = verifier.secret().clone();
        let (_, tokens) = token_post(
            &app,
            &module,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier.as_str()),
            ],
            Some(&secret),
        )
        .await;
        match end {
            "bukan saya" => {
                let page = browser.get("/log-akses").await;
                let login = crate::access_log::event_ids(&page, "login_ok")[0].to_string();
                browser
                    .post("/log-akses/bukan-saya", &[("event_id", &login)])
                    .await;
            }
            "disable totp" => {
                // A code of a later step than the login's.
                app.clock.advance(30);
                let done = browser
                    .post("/totp/disable", &[("code", &app.code(&key))])
                    .await;
                assert!(!app.has_totp(user_id).await, "{}", done.body);
            }
            _ => {
                let command = if end == "reset" {
                    "reset-totp"
                } else {
                    "disable"
                };
                let out = app.run_cli(&["user", command, user_id]).await;
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        let info = module
            .http
            .get(format!("{}/oauth2/userinfo", app.base))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(info.status(), StatusCode::UNAUTHORIZED, "after {end}");
        let (status, body) = token_post(
            &app,
            &module,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
            Some(&secret),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "after {end}"
        );
    }
}
