//! Disabling by SCIM (`active: false`, or DELETE) ends the account's sessions and its
//! OpenID tokens at once, as the helpdesk's disable does; `active: true` lets it in
//! again; a deleted account stays disabled, with its log, and its user ID stays taken.

use openidconnect::{AuthorizationCode, OAuth2TokenResponse};
use reqwest::StatusCode;
use serde_json::json;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::oidc_support::*;
use crate::scim_support::*;

async fn id_of(scim: &Scim, user_name: &str) -> String {
    let found = scim
        .get(&format!("/Users?filter=userName%20eq%20%22{user_name}%22"))
        .await
        .body;
    found["Resources"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn active_false_ends_sessions_and_tokens_at_once_and_true_lets_in_again() {
    let app = spawn_app().await;
    let key = app.add_active_user("VENDOR1", UserKind::Penyedia).await;
    let token = add_token(&app, "sirup").await;
    let scim = Scim::new(&app, Some(&token));
    let id = id_of(&scim, "VENDOR1").await;

    // Signed in twice: in a browser, and in a module through the OpenID Provider.
    let browser = app
        .login(UserKind::Penyedia, "VENDOR1", PASSWORD, &key)
        .await;
    assert_eq!(browser.get("/beranda").await.status, StatusCode::OK);
    let module = module(&app, false, None).await;
    let request = request(&module);
    let back = login_through(&app, &app.browser(), &request.path, "VENDOR1", &key).await;
    let tokens = module
        .rp
        .exchange_code(AuthorizationCode::new(param(&back, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(request.verifier)
        .request_async(&module.http)
        .await
        .expect("tokens");
    let userinfo = |access: String| {
        let http = module.http.clone();
        let url = format!("{}/oauth2/userinfo", app.base);
        async move {
            http.get(url)
                .bearer_auth(access)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let access = tokens.access_token().secret().clone();
    assert_eq!(userinfo(access.clone()).await, StatusCode::OK);

    let disabled = scim
        .patch(&id, json!([{"op": "Replace", "value": {"active": false}}]))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(disabled.body["active"], false);
    // At once: no wait for a sweep or a worker.
    let sessions = "SELECT COUNT(*) FROM sessions WHERE user_pk = \
                    (SELECT id FROM users WHERE user_key = 'vendor1')";
    assert_eq!(app.count(sessions).await, 0);
    assert_ne!(browser.get("/beranda").await.status, StatusCode::OK);
    assert_eq!(userinfo(access.clone()).await, StatusCode::UNAUTHORIZED);
    let refused = app
        .browser()
        .password_step(UserKind::Penyedia, "VENDOR1", PASSWORD)
        .await;
    assert_ne!(refused.location(), Some("/totp/acceptor"), "disabled");
    let details = app.event_details("VENDOR1").await;
    assert!(
        details.contains(&("scim_disabled".into(), "by SCIM token sirup".into())),
        "{details:?}"
    );

    let enabled = scim
        .patch(
            &id,
            json!([{"op": "replace", "path": "active", "value": true}]),
        )
        .await;
    assert_eq!(enabled.body["active"], true);
    let again = app
        .login(UserKind::Penyedia, "VENDOR1", PASSWORD, &key)
        .await;
    assert_eq!(again.get("/beranda").await.status, StatusCode::OK);
    assert!(
        app.events("VENDOR1")
            .await
            .contains(&"scim_enabled".to_string())
    );
}

#[tokio::test]
async fn delete_disables_for_good_and_hides_the_account() {
    let app = spawn_app().await;
    let key = app.add_active_user("VENDOR2", UserKind::Penyedia).await;
    let token = add_token(&app, "sirup").await;
    let scim = Scim::new(&app, Some(&token));
    let id = id_of(&scim, "VENDOR2").await;
    let browser = app
        .login(UserKind::Penyedia, "VENDOR2", PASSWORD, &key)
        .await;

    let deleted = scim.send("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_ne!(browser.get("/beranda").await.status, StatusCode::OK);
    scim.get(&format!("/Users/{id}")).await.error(404);
    scim.send("DELETE", &format!("/Users/{id}"), None)
        .await
        .error(404);
    let listed = scim.get("/Users").await.body;
    assert_eq!(listed["totalResults"], 0);
    // The account stays, disabled, with its log; its user ID is still taken.
    assert_eq!(
        app.count("SELECT disabled FROM users WHERE user_key = 'vendor2'")
            .await,
        1
    );
    assert!(app.events("VENDOR2").await.contains(&"scim_deleted".into()));
    let again = scim
        .send("POST", "/Users", Some(&new_user("VENDOR2", "penyedia")))
        .await;
    assert_eq!(again.error(409).as_deref(), Some("uniqueness"));
}
