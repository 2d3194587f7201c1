//! The OpenID Provider end to end, with the Rust `openidconnect` crate as the module:
//! discovery, the authorization through the real login with TOTP, the code for tokens,
//! the ID token checked against the JWKS, userinfo, refresh, logout, and the
//! back-channel logout when the user ends their sessions in LOG AKSES.

use openidconnect::core::CoreUserInfoClaims;
use openidconnect::{AuthorizationCode, OAuth2TokenResponse, RefreshToken, TokenResponse};
use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::spawn_app;
use crate::oidc_support::*;

#[tokio::test]
async fn a_module_logs_in_through_the_real_login_and_out_again() {
    let app = spawn_app().await;
    let key = app.add_active_user("VENDOR1", UserKind::Penyedia).await;
    let module = module(&app, false, None).await;
    let request = request(&module);
    let browser = app.browser();
    let back = login_through(&app, &browser, &request.path, "VENDOR1", &key).await;
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(request.state.secret().as_str())
    );
    assert_eq!(param(&back, "iss").as_deref(), Some(app.base.as_str()));
    let code = param(&back, "code").expect("a code");

    let tokens = module
        .rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(request.verifier)
        .request_async(&module.http)
        .await
        .expect("tokens for the code");
    let id_token = tokens.id_token().expect("an ID token");
    // Verified against the provider's JWKS, issuer, audience and nonce.
    let verifier = module.rp.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &request.nonce)
        .expect("valid ID token");
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("VENDOR1")
    );
    assert_eq!(
        claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some("Pengguna VENDOR1")
    );
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("vendor1@lpse.example.go.id")
    );
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|m| m.as_str().to_string())
        .collect();
    assert_eq!(amr, ["pwd", "otp", "mfa"]);
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str()),
        Some("urn:spse:acr:pwd+otp")
    );
    assert!(claims.auth_time().is_some());
    let sub = claims.subject().clone();
    assert_ne!(sub.as_str(), "VENDOR1", "sub is opaque");

    let info: CoreUserInfoClaims = module
        .rp
        .user_info(tokens.access_token().clone(), Some(sub.clone()))
        .unwrap()
        .request_async(&module.http)
        .await
        .expect("userinfo");
    assert_eq!(
        info.preferred_username().map(|u| u.as_str()),
        Some("VENDOR1")
    );
    let raw: serde_json::Value = module
        .http
        .get(format!("{}/oauth2/userinfo", app.base))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["urn:spse:claims:account_kind"], "penyedia");

    // Refresh: a new pair; the same login, so the same subject.
    let refreshed = module
        .rp
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&module.http)
        .await
        .expect("refreshed");
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        tokens.refresh_token().unwrap().secret()
    );
    let again = refreshed
        .id_token()
        .unwrap()
        .claims(&verifier, |_: Option<&openidconnect::Nonce>| Ok(()))
        .unwrap();
    assert_eq!(again.subject(), &sub);

    // The same browser, a second module request: one login for every module.
    let second = crate::oidc_support::request(&module);
    let page = browser.get(&second.path).await;
    assert!(
        page.location().unwrap().starts_with(REDIRECT),
        "no second login"
    );

    // RP-initiated logout: a confirmation, then back to the module.
    let logout = format!(
        "/oauth2/logout?id_token_hint={}&post_logout_redirect_uri={}&state=pergi",
        id_token,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let confirm = browser.get(&logout).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("id=\"oidc-logout-ok\""));
    let fields = [
        ("id_token_hint", id_token.to_string()),
        ("client_id", String::new()),
        ("post_logout_redirect_uri", REDIRECT.to_string()),
        ("state", "pergi".to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = browser.post("/oauth2/logout", &fields).await;
    assert_eq!(
        done.location(),
        Some(format!("{REDIRECT}?state=pergi").as_str())
    );
    let beranda = browser.get("/beranda").await;
    assert_ne!(beranda.status, StatusCode::OK, "signed out here too");
    assert!(!beranda.body.contains("id=\"user-id\""));
    let after: Result<CoreUserInfoClaims, _> = module
        .rp
        .user_info(refreshed.access_token().clone(), None)
        .unwrap()
        .request_async(&module.http)
        .await;
    assert!(after.is_err(), "tokens end with the session");
    let refresh_after = module
        .rp
        .exchange_refresh_token(refreshed.refresh_token().unwrap())
        .unwrap()
        .request_async(&module.http)
        .await;
    assert!(refresh_after.is_err());
}

#[tokio::test]
async fn ending_sessions_in_log_akses_tells_the_module_by_back_channel() {
    let app = spawn_app().await;
    let key = app.add_active_user("VENDOR2", UserKind::Penyedia).await;
    let (inbox, uri) = LogoutInbox::start().await;
    let module = module(&app, false, Some(uri)).await;
    let request = request(&module);
    let browser = app.browser();
    let back = login_through(&app, &browser, &request.path, "VENDOR2", &key).await;
    let tokens = module
        .rp
        .exchange_code(AuthorizationCode::new(param(&back, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(request.verifier)
        .request_async(&module.http)
        .await
        .unwrap();
    let id_token = tokens.id_token().unwrap().to_string();
    let sid_of = |jwt: &str| -> serde_json::Value {
        let payload = jwt.split('.').nth(1).unwrap();
        let bytes = jsonwebtoken_payload(payload);
        serde_json::from_slice(&bytes).unwrap()
    };
    let sid = sid_of(&id_token)["sid"].clone();

    // The same user in another browser ends every other session from LOG AKSES.
    let other = app
        .login(
            UserKind::Penyedia,
            "VENDOR2",
            crate::helpers::PASSWORD,
            &key,
        )
        .await;
    other.get("/log-akses").await;
    let done = other.post("/log-akses/akhiri-sesi-lain", &[]).await;
    assert!(done.status.is_success() || done.status.is_redirection());

    let tokens_seen = crate::helpers::eventually("the back-channel logout", || {
        let inbox = inbox.clone();
        async move {
            let tokens = inbox.tokens();
            (!tokens.is_empty()).then_some(tokens)
        }
    })
    .await;
    let logout = sid_of(&tokens_seen[0]);
    assert_eq!(logout["sid"], sid);
    assert_eq!(logout["aud"], module.client_id.as_str());
    assert!(logout["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(logout.get("nonce").is_none());
    // Checked against the published keys, as a module would.
    let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(format!("{}/oauth2/jwks", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(&tokens_seen[0]).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let key =
        jsonwebtoken::DecodingKey::from_jwk(jwks.find(&header.kid.unwrap()).unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[module.client_id.as_str()]);
    validation.set_issuer(&[app.base.as_str()]);
    validation.validate_exp = false;
    jsonwebtoken::decode::<serde_json::Value>(&tokens_seen[0], &key, &validation)
        .expect("signed by a published key");

    let refused = module
        .rp
        .exchange_refresh_token(&RefreshToken::new(
            tokens.refresh_token().unwrap().secret().clone(),
        ))
        .unwrap()
        .request_async(&module.http)
        .await;
    assert!(refused.is_err(), "the ended session's tokens are refused");
}

fn jsonwebtoken_payload(part: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap()
}

#[tokio::test]
async fn keys_rotate_keeps_the_old_key_published_until_its_tokens_expired() {
    let app = spawn_app().await;
    let jwks = || async {
        let set: serde_json::Value = reqwest::get(format!("{}/oauth2/jwks", app.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let first = jwks().await;
    assert_eq!(first.len(), 1, "the first key is made on first use");
    // At the app's pinned clock (the command line runs on the real one).
    let second = app
        .auth
        .rotate_signing_key(&spse_usecases::Staff::command_line("test"))
        .await
        .unwrap();
    let both = jwks().await;
    assert_eq!(both.len(), 2);
    assert!(both.contains(&first[0]) && both.contains(&second));
    let listed = String::from_utf8(app.run_cli(&["keys", "list"]).await.stdout).unwrap();
    assert!(
        listed.contains(&first[0]) && listed.contains(&second),
        "{listed}"
    );
    assert!(listed.contains("menandatangani sekarang"), "{listed}");
    // Past the ID token lifetime and the hour of JWKS caching, the old key is gone.
    app.clock.advance(600 + 3600 + 1);
    let later = jwks().await;
    assert_eq!(later, std::slice::from_ref(&second));
    // The command: a new key that signs from now on, published at once.
    let out = app.run_cli(&["keys", "rotate"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    let kid = said
        .split_whitespace()
        .nth(4)
        .unwrap()
        .trim_end_matches(';');
    assert!(jwks().await.contains(&kid.to_string()), "{said}");
}
