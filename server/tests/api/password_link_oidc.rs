//! A password set through a mailed link ends the sessions, and with them what the
//! modules behind the BERANDA were given: their tokens stop working.

use openidconnect::{AuthorizationCode, OAuth2TokenResponse, RefreshToken};
use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::spawn_app;
use crate::oidc_support::*;
use crate::password_link::{NEW_PASSWORD, link_from_outbox, set_password};

#[tokio::test]
async fn a_new_password_ends_the_modules_tokens() {
    let app = spawn_app().await;
    let key = app.add_active_user("VENDOR3", UserKind::Penyedia).await;
    let module = module(&app, false, None).await;
    let request = request(&module);
    let browser = app.browser();
    let back = login_through(&app, &browser, &request.path, "VENDOR3", &key).await;
    let tokens = module
        .rp
        .exchange_code(AuthorizationCode::new(param(&back, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(request.verifier)
        .request_async(&module.http)
        .await
        .expect("tokens for the code");
    let userinfo = |token: String| {
        let http = module.http.clone();
        let url = format!("{}/oauth2/userinfo", app.base);
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let access = tokens.access_token().secret().clone();
    assert_eq!(userinfo(access.clone()).await, StatusCode::OK);

    let path = link_from_outbox(&app, "VENDOR3", "penyedia").await;
    app.clock.advance(30);
    let done = set_password(&app.browser(), &path, NEW_PASSWORD, Some(&app.code(&key))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);

    assert_eq!(
        userinfo(access).await,
        StatusCode::UNAUTHORIZED,
        "the access token ended with its session"
    );
    let refreshed = module
        .rp
        .exchange_refresh_token(&RefreshToken::new(
            tokens.refresh_token().unwrap().secret().clone(),
        ))
        .unwrap()
        .request_async(&module.http)
        .await;
    assert!(refreshed.is_err(), "and so did the refresh token");
}
