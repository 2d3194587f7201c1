//! Waiting pages' event streams without hyper's dispatcher. A waiting page holds its
//! connection for up to 15 minutes; through hyper each one kept two 8 KiB buffers (the
//! write buffer, and the read buffer of the keep-alive check) beside its task, about
//! 12.5 KB of heap a page (README, "Benchmarks"). A connection whose first request is a
//! plain `GET` of an event stream is served here instead: its head is read into a
//! buffer freed before the stream starts, the router answers it as it answers hyper's
//! requests (the same extractors, limits and headers), and the answer is written with
//! `Connection: close`, chunk by chunk. Every other connection goes to hyper untouched:
//! the first bytes are only peeked at.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use http_body_util::BodyExt as _;
use hyper::body::Body as _;
use hyper::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::connections::stopped;

/// The streams served here; the router still decides who gets one.
const PATHS: [&str; 2] = ["/totp/acceptor/events", "/totp/aktivasi/events"];
/// A longer head is refused (a browser's, cookies and all, is well under this).
const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// What the first bytes of a new connection say, once some arrived.
pub enum First {
    EventStream,
    Other,
    /// Closed, failed, or sent nothing within the head deadline: hyper would close it too.
    Nothing,
}

/// Peeks at the start of the first request; nothing is consumed.
pub async fn first_request(tcp: &TcpStream, header_timeout: Duration) -> First {
    let mut start = [0_u8; 32];
    match tokio::time::timeout(header_timeout, tcp.peek(&mut start)).await {
        Ok(Ok(0) | Err(_)) | Err(_) => First::Nothing,
        Ok(Ok(n)) if opens_event_stream(&start[..n]) => First::EventStream,
        Ok(Ok(_)) => First::Other,
    }
}

/// `GET /totp/acceptor/events ` or `?`: a request line that arrived in pieces smaller
/// than this goes to hyper, which serves it as well, only with its larger buffers.
fn opens_event_stream(start: &[u8]) -> bool {
    let Some(target) = start.strip_prefix(b"GET ") else {
        return false;
    };
    PATHS.iter().any(|path| {
        target
            .strip_prefix(path.as_bytes())
            .is_some_and(|rest| matches!(rest.first(), Some(b' ' | b'?')))
    })
}

/// Serves the one request of a connection [`first_request`] found to open a stream.
pub async fn serve(
    mut tcp: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let request = match tokio::time::timeout(header_timeout, read_head(&mut tcp, peer)).await {
        Ok(Ok(Some(request))) => request,
        Ok(Ok(None)) => {
            let _ = tcp.write_all(BAD_REQUEST).await;
            return;
        }
        Ok(Err(_)) | Err(_) => return,
    };
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // A stop ends the stream (the page reconnects, to an instance still running).
    let written = tokio::select! {
        written = write_response(&mut tcp, response) => written,
        () = stopped(&mut stop) => Ok(()),
    };
    if let Err(e) = written {
        tracing::debug!(error = %e, peer = %peer, "event stream ended");
    }
}

/// The request head as a request for the router; `None` for one it must not get (not
/// a GET, a body, a head too long or malformed).
async fn read_head(
    tcp: &mut TcpStream,
    peer: SocketAddr,
) -> std::io::Result<Option<axum::extract::Request>> {
    let mut head = Vec::with_capacity(1024);
    loop {
        if head.len() == head.capacity() {
            head.reserve(1024);
        }
        if tcp.read_buf(&mut head).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => return Ok(to_request(&parsed, peer)),
            Ok(httparse::Status::Partial) if head.len() < MAX_HEAD => {}
            _ => return Ok(None),
        }
    }
}

fn to_request(parsed: &httparse::Request, peer: SocketAddr) -> Option<axum::extract::Request> {
    if parsed.method != Some("GET") {
        return None;
    }
    let version = match parsed.version {
        Some(1) => http::Version::HTTP_11,
        Some(0) => http::Version::HTTP_10,
        _ => return None,
    };
    let mut request = http::Request::builder()
        .method(http::Method::GET)
        .uri(parsed.path?)
        .version(version);
    for header in parsed.headers.iter() {
        let name = header.name;
        let announces_body = (name.eq_ignore_ascii_case("content-length") && header.value != b"0")
            || name.eq_ignore_ascii_case("transfer-encoding");
        if announces_body {
            return None;
        }
        request = request.header(name, header.value);
    }
    let mut request = request.body(axum::body::Body::empty()).ok()?;
    request.extensions_mut().insert(ConnectInfo(peer));
    Some(request)
}

/// Writes the head, then each piece of the body as it comes, chunked unless its length
/// is known; stops when the body ends or the page goes away (the peer closes, or sends
/// anything more: one request per connection here).
async fn write_response(
    tcp: &mut TcpStream,
    response: axum::response::Response,
) -> std::io::Result<()> {
    let (parts, mut body) = response.into_parts();
    let length = body.size_hint().exact();
    let chunked = length.is_none() && parts.version != http::Version::HTTP_10;
    let mut head = Vec::with_capacity(512);
    let status = parts.status;
    write!(
        head,
        "HTTP/1.1 {} {}\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    )?;
    for (name, value) in &parts.headers {
        if [CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING].contains(name) {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    match length {
        Some(length) => write!(head, "content-length: {length}\r\n")?,
        None if chunked => head.extend_from_slice(b"transfer-encoding: chunked\r\n"),
        None => {}
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    drop(parts);
    tcp.write_all(&head).await?;
    drop(head);
    let (mut from_peer, mut to_peer) = tcp.split();
    let mut probe = [0_u8; 1];
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            _ = from_peer.read(&mut probe) => return Ok(()),
        };
        let Some(frame) = frame else { break };
        let Ok(data) = frame.map_err(std::io::Error::other)?.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        if chunked {
            let mut piece = Vec::with_capacity(data.len() + 12);
            write!(piece, "{:x}\r\n", data.len())?;
            piece.extend_from_slice(&data);
            piece.extend_from_slice(b"\r\n");
            to_peer.write_all(&piece).await?;
        } else {
            to_peer.write_all(&data).await?;
        }
    }
    if chunked {
        to_peer.write_all(b"0\r\n\r\n").await?;
    }
    to_peer.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_request_line_of_a_stream_is_taken() {
        assert!(opens_event_stream(
            b"GET /totp/acceptor/events HTTP/1.1\r\n"
        ));
        assert!(opens_event_stream(
            b"GET /totp/aktivasi/events?x=1 HTTP/1.1"
        ));
        assert!(!opens_event_stream(b"GET /totp/acceptor/eventsX HTTP/1.1"));
        assert!(!opens_event_stream(b"POST /totp/acceptor/events HTTP/1.1"));
        assert!(!opens_event_stream(b"GET /totp/acceptor HTTP/1.1"));
        assert!(!opens_event_stream(b"GET /totp/acceptor/ev"));
    }

    fn parsed(head: &[u8]) -> Option<axum::extract::Request> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        assert!(request.parse(head).unwrap().is_complete());
        to_request(&request, "192.0.2.1:1234".parse().unwrap())
    }

    #[test]
    fn a_request_with_a_body_is_refused() {
        let plain = parsed(b"GET /totp/acceptor/events HTTP/1.1\r\nHost: a\r\nCookie: s=1\r\n\r\n");
        let plain = plain.expect("a plain GET");
        assert_eq!(plain.headers()["cookie"], "s=1");
        assert!(
            plain
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .is_some()
        );
        assert!(
            parsed(b"GET /totp/acceptor/events HTTP/1.1\r\nContent-Length: 0\r\n\r\n").is_some()
        );
        assert!(
            parsed(b"GET /totp/acceptor/events HTTP/1.1\r\nContent-Length: 5\r\n\r\n").is_none()
        );
        assert!(
            parsed(b"GET /totp/acceptor/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                .is_none()
        );
    }
}
