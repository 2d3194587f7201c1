//! Connections that hold file descriptors without finishing a request: half a request
//! head (slowloris), an idle keep-alive, too many from one address. A raw TCP client,
//! since an HTTP client would never send half a head. The deadline is a network
//! timeout, not a time rule of the service: a real one, short (1 s) for these tests.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Far longer than the 1 s deadline, so a slow machine does not fail the test; a
/// connection the server keeps open runs into it.
const PATIENCE: Duration = Duration::from_secs(10);

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.base.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connect")
}

/// What the server sent before it closed the connection, or `None` if it was still open
/// after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let read_all = async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(within, read_all).await.ok()?;
    Some(String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn half_sent_request_heads_are_closed_after_the_deadline() {
    let app = spawn_with(|raw| raw.set("header_timeout_seconds", "1")).await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: b\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    let mut silent = connect(&app).await;
    for (n, stream) in slow.iter_mut().enumerate() {
        let sent = read_until_closed(stream, PATIENCE).await;
        let sent = sent.unwrap_or_else(|| panic!("connection {n} still open"));
        assert!(
            sent.is_empty() || sent.starts_with("HTTP/1.1 408"),
            "connection {n} got {sent:?}"
        );
    }
    assert!(
        read_until_closed(&mut silent, PATIENCE).await.is_some(),
        "a connection that sends nothing is closed too"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_deadline() {
    let app = spawn_with(|raw| raw.set("header_timeout_seconds", "1")).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let sent = read_until_closed(&mut stream, PATIENCE)
        .await
        .expect("closed once idle");
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    assert!(sent.contains("\"status\":\"ok\""), "the answer came whole");
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_connections() {
    let app = spawn_with(|raw| {
        raw.set("connections_per_address", "3");
        raw.set("header_timeout_seconds", "60");
    })
    .await;
    // Three connections, each known to be accepted since it was answered.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0u8; 512];
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    let mut fourth = connect(&app).await;
    assert_eq!(
        read_until_closed(&mut fourth, PATIENCE).await.as_deref(),
        Some(""),
        "the fourth is closed at once, unanswered"
    );
    drop(held.pop());
    let answered = eventually("a connection once one closed", || async {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .map_err(|e| e.to_string())?;
        match read_until_closed(&mut stream, PATIENCE).await {
            Some(sent) if sent.starts_with("HTTP/1.1 200") => Ok(sent),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert!(answered.contains("\"status\":\"ok\""));
}
