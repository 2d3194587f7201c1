//! The event streams of waiting pages: only a login that passed the password step and
//! waits on the app gets one, a few per login attempt and a bound per address.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;

const ACTIVATION_EVENTS: &str = "/totp/aktivasi/events";

/// Opens a stream and keeps it open as long as the response is kept.
async fn open(b: &Browser, path: &str) -> reqwest::Response {
    b.client
        .get(format!("{}{path}", b.base))
        .send()
        .await
        .unwrap()
}

/// A browser at the activation step (a right password, TOTP not yet active).
async fn waiting_login(app: &TestApp, user_id: &str, b: &Browser) {
    app.add_user(user_id, UserKind::NonPenyedia).await;
    let page = b
        .password_step(UserKind::NonPenyedia, user_id, PASSWORD)
        .await;
    assert_eq!(page.location(), Some("/totp/aktivasi"));
}

#[tokio::test]
async fn a_stream_needs_a_login_that_passed_the_password_step() {
    let app = spawn_app().await;
    let nobody = app.browser();
    let identified = app.browser();
    identified
        .start_login(UserKind::NonPenyedia, "NOSUCHUSER")
        .await;
    for b in [&nobody, &identified] {
        for path in [ACTIVATION_EVENTS, "/totp/acceptor/events"] {
            let response = open(b, path).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
            assert_ne!(
                response.headers()["content-type"],
                "text/event-stream",
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn the_fourth_stream_of_one_login_is_refused_with_429() {
    let app = spawn_app().await;
    let b = app.browser();
    waiting_login(&app, "PPK1", &b).await;
    let mut kept = Vec::new();
    for _ in 0..3 {
        let response = open(&b, ACTIVATION_EVENTS).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        kept.push(response);
    }
    let refused = open(&b, ACTIVATION_EVENTS).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = refused.text().await.unwrap();
    assert!(text.contains("Terlalu banyak halaman"), "{text}");
    // A closed page gives its place back.
    kept.pop();
    let b = &b;
    eventually("a place freed by a closed stream", || async {
        let response = open(b, ACTIVATION_EVENTS).await;
        (response.status() == StatusCode::OK).then_some(response)
    })
    .await;
}

#[tokio::test]
async fn streams_past_the_bound_of_an_address_are_refused_another_address_is_not() {
    let app = spawn_with(|raw| raw.set("event_streams_per_address", "4")).await;
    let (first, second, third) = (app.browser(), app.browser(), app.browser());
    waiting_login(&app, "PPK1", &first).await;
    waiting_login(&app, "PPK2", &second).await;
    waiting_login(&app, "PPK3", &third).await;
    let mut kept = Vec::new();
    for b in [&first, &first, &first, &second] {
        let response = open(b, ACTIVATION_EVENTS).await;
        assert_eq!(response.status(), StatusCode::OK);
        kept.push(response);
    }
    for b in [&second, &third] {
        let refused = open(b, ACTIVATION_EVENTS).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let elsewhere = Browser::from_address(&app.base, "127.0.0.2".parse().unwrap());
    waiting_login(&app, "PPK4", &elsewhere).await;
    let response = open(&elsewhere, ACTIVATION_EVENTS).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
}

/// Sends `head` on a new connection and reads everything until the server closes it.
async fn raw_exchange(
    app: &TestApp,
    head: String,
    meanwhile: impl std::future::Future<Output = ()>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    // The head of the answer first, then whatever `meanwhile` makes the page hear.
    let mut answer = vec![0_u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    answer.truncate(n);
    meanwhile.await;
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tcp.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes the stream")
    .unwrap();
    String::from_utf8(answer).unwrap()
}

/// A connection whose first request is a waiting page's stream is served outside
/// hyper (server/src/event_streams.rs): the same answers, chunked, then closed.
#[tokio::test]
async fn a_stream_on_a_connection_of_its_own_is_chunked_and_closed_after_its_event() {
    let app = spawn_app().await;
    let b = app.browser();
    waiting_login(&app, "PPK1", &b).await;
    let uri = crate::push_support::scan_qr(&b).await;
    let cookie = b.session_cookie().unwrap();
    let head = format!(
        "GET {ACTIVATION_EVENTS} HTTP/1.1\r\nHost: localhost\r\nCookie: spse_session={cookie}\r\n\r\n"
    );
    let key = spse_protocol::api::DeviceKey::generate();
    let text = raw_exchange(&app, head, async {
        let (status, body) = crate::push_support::enroll(&app, &uri, &key).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    })
    .await;
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let lower = text.to_ascii_lowercase();
    for header in [
        "content-type: text/event-stream",
        "transfer-encoding: chunked",
        "connection: close",
        "x-content-type-options: nosniff",
    ] {
        assert!(lower.contains(header), "{header} in {text}");
    }
    assert!(text.contains("event: done\ndata: reload"), "{text}");
    assert!(text.ends_with("\r\n0\r\n\r\n"), "the last chunk: {text:?}");

    // Without a session: the refusal as hyper would send it, whole, then closed.
    let head = format!("GET {ACTIVATION_EVENTS} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let text = raw_exchange(&app, head, async {}).await;
    assert!(text.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("content-length: "),
        "{text}"
    );
    assert!(!text.contains("text/event-stream"), "{text}");

    // A GET with a body is refused before the router sees it.
    let head = format!(
        "GET {ACTIVATION_EVENTS} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"
    );
    let text = raw_exchange(&app, head, async {}).await;
    assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
}
