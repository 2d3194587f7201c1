//! The web app's JavaScript unit tests (`crates/web/tests/js/`), run in headless
//! Chromium: WebCrypto's Ed25519 and HMAC are the browser's, as on a phone. A small
//! server here serves the app's modules from the source tree, the tests, and the
//! protocol crate's vector file, all on one origin.

use std::path::{Component, Path, PathBuf};

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::browser::Driver;
use crate::phone_support::APP_WAIT;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The file for a request path, inside one of the three trees.
fn file_for(path: &str) -> Option<PathBuf> {
    let root = workspace();
    let (base, rest) = if path == "/vectors.json" {
        return Some(root.join("protocol/vectors/authenticator-v1.json"));
    } else if let Some(rest) = path.strip_prefix("/test/") {
        (root.join("crates/web/tests/js"), rest)
    } else {
        (
            root.join("crates/web/static/authenticator"),
            path.trim_start_matches('/'),
        )
    };
    let relative = Path::new(rest);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| base.join(relative))
}

async fn serve_file(request: Request) -> Response {
    let Some(path) = file_for(request.uri().path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(body) = tokio::fs::read(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

#[tokio::test]
async fn app_javascript_unit_tests_pass_in_chromium() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(serve_file))
            .await
            .unwrap();
    });
    let driver = Driver::start();
    let c = driver.browser().await;
    c.goto(&format!("{origin}/test/unit.html")).await.unwrap();
    spse_testkit::eventually_within("the unit tests to finish", APP_WAIT, || async {
        match c
            .execute("return document.body.dataset.done || ''", vec![])
            .await
        {
            Ok(done) if done == "true" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let results = c.execute("return window.results", vec![]).await.unwrap();
    let results = results.as_array().expect("a list of results");
    assert!(results.len() >= 9, "every test ran: {results:#?}");
    let failed: Vec<_> = results.iter().filter(|r| r["ok"] != true).collect();
    for r in results {
        println!(
            "js: {} {}",
            if r["ok"] == true { "ok" } else { "FAILED" },
            r["name"]
        );
    }
    assert!(failed.is_empty(), "JavaScript tests failed: {failed:#?}");
    c.close().await.unwrap();
}
