//! The app's origin serves the app and nothing else; the signed API, and only it,
//! answers that origin by CORS, without credentials; every API answer tells the clock.

use std::sync::Arc;

use reqwest::StatusCode;
use spse_auth::app::Application;
use spse_auth::config::RawSettings;
use spse_domain::clock::ManualClock;

use spse_domain::user::UserKind;

use crate::helpers::*;

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn the_app_origin_serves_the_app_with_a_strict_csp_and_nothing_else() {
    let app = spawn_app().await;
    let page = client()
        .get(format!("{}/", app.app_origin))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "no inline or eval: {csp}");
    assert!(
        csp.contains(&format!("connect-src 'self' {}", app.base)),
        "{csp}"
    );
    let body = page.text().await.unwrap();
    for id in [
        "id=\"accounts\"",
        "id=\"add-account\"",
        "id=\"account-added\"",
        "id=\"pending\"",
    ] {
        assert!(body.contains(id), "{id}");
    }
    assert!(
        !body.contains("<script>") && !body.contains("style="),
        "nothing inline"
    );

    for (path, kind) in [
        ("/js/main.js", "text/javascript"),
        ("/sw.js", "text/javascript"),
        ("/manifest.webmanifest", "application/manifest+json"),
        ("/icon-192.png", "image/png"),
        ("/vendor/jsqr/LICENSE", "text/plain"),
    ] {
        let answer = client()
            .get(format!("{}{path}", app.app_origin))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
    }
    let manifest: serde_json::Value = client()
        .get(format!("{}/manifest.webmanifest", app.app_origin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["icons"][1]["sizes"], "512x512");

    // Everything the service worker keeps for offline use is served.
    let worker = client()
        .get(format!("{}/sw.js", app.app_origin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shell: Vec<&str> = worker
        .split('"')
        .filter(|part| part.starts_with('/') && !part.contains(char::is_whitespace))
        .collect();
    assert!(shell.len() > 10, "{shell:?}");
    for path in shell {
        let answer = client()
            .get(format!("{}{path}", app.app_origin))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path} kept offline");
    }

    // The login pages and the API are not on the app's origin.
    for path in ["/login", "/api/authenticator/v1/time", "/../Cargo.toml"] {
        let answer = client()
            .get(format!("{}{path}", app.app_origin))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_api_answers_the_app_origin_by_cors_and_the_pages_do_not() {
    let app = spawn_app().await;
    let preflight = |origin: String| {
        client()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/authenticator/v1/enroll", app.base),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,x-spse-device,x-spse-signature",
            )
            .send()
    };
    let allowed = preflight(app.app_origin.clone()).await.unwrap();
    assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
    let h = allowed.headers();
    assert_eq!(h["access-control-allow-origin"], app.app_origin.as_str());
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("x-spse-signature")
    );
    assert!(h.get("access-control-allow-credentials").is_none());

    let other = preflight("https://evil.example".into()).await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let time = client()
        .get(format!("{}/api/authenticator/v1/time", app.base))
        .header("origin", &app.app_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(time.headers()["x-spse-time"], START.to_string().as_str());
    assert_eq!(
        time.headers()["access-control-expose-headers"],
        "x-spse-time"
    );
    assert_eq!(
        time.headers()["access-control-allow-origin"],
        app.app_origin.as_str()
    );
    let body: serde_json::Value = time.json().await.unwrap();
    assert_eq!(body["now"], START);

    let page = client()
        .get(format!("{}/login", app.base))
        .header("origin", &app.app_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_app_url_may_not_be_the_login_pages_origin() {
    let dir = tempfile::tempdir().unwrap();
    let mut raw = RawSettings::default();
    raw.set("data_dir", dir.path().display().to_string());
    raw.set("listen", "127.0.0.1:0");
    raw.set("management_listen", "127.0.0.1:0");
    raw.set("app_listen", "127.0.0.1:0");
    raw.set("public_url", "http://127.0.0.1:18080");
    raw.set("app_url", "http://127.0.0.1:18080/app/");
    let settings = raw.resolve(false).unwrap();
    let Err(error) = Application::build(&settings, Arc::new(ManualClock::new(START))).await else {
        panic!("an app on the login pages' origin must be refused");
    };
    assert!(error.to_string().contains("SPSE_APP_URL"), "{error}");
}

#[tokio::test]
async fn the_activation_page_links_to_the_app_in_its_language_with_the_uri_in_the_fragment() {
    let app = spawn_app().await;
    app.add_user("PPK4", UserKind::NonPenyedia).await;
    let b = app.browser();
    b.password_step(UserKind::NonPenyedia, "PPK4", PASSWORD)
        .await;
    for (lang, words) in [
        ("id", "Buka di SPSE Authenticator"),
        ("en", "Open in SPSE Authenticator"),
    ] {
        let page = b.get(&format!("/totp/aktivasi?lang={lang}")).await;
        let start = format!(
            "href=\"{}/?lang={lang}#add=otpauth%3A%2F%2Ftotp%2F",
            app.app_origin
        );
        assert!(page.body.contains(&start), "{}", page.body);
        assert!(page.body.contains(words), "{words}");
        let link = page.body.split(&start).nth(1).unwrap();
        let link = &link[..link.find('"').unwrap()];
        assert!(
            link.contains("%26enroll%3D"),
            "the enrolment token rides along: {link}"
        );
    }
}
