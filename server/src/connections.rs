//! Accepting connections: HTTP/1.1 through hyper with a deadline on every request head
//! and a cap on the connections open from one address, so that connections which send
//! half a request (slowloris) or nothing at all cannot use up the file descriptors.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use spse_domain::client::counted_address;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tower::ServiceExt as _;

use crate::event_streams::{self, First};

/// What one listener allows each connection.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A request head must arrive whole within this, counted from the moment the server
    /// waits for it: after the connection opens, and after each response (so it also
    /// ends idle keep-alive connections).
    pub header_timeout: Duration,
    /// Connections open at once from one address; an IPv6 /64 counts as one address.
    pub per_address: usize,
    /// Peers the cap does not apply to: the reverse proxies every client comes through.
    pub exempt: Vec<ipnet::IpNet>,
}

/// Serves `router` on `listener` until `stop` turns true; then accepts nothing more and
/// waits for the open connections to finish the requests they carry.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let counts = Arc::new(PerAddress::new(&limits));
    // Every connection task holds a sender; `recv` answers `None` once all are gone.
    let (open, mut all_closed) = mpsc::channel::<()>(1);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        // Dropping the stream closes it at once.
        let Some(slot) = counts.claim(peer.ip()) else {
            continue;
        };
        // Small writes (a waiting page's event, a short answer) leave at once; with
        // Nagle's algorithm they waited for the peer's delayed ACK, about 40 ms.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let (mut stop, open, router) = (stop.clone(), open.clone(), router.clone());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _held = (slot, open);
            let first = tokio::select! {
                first = event_streams::first_request(&tcp, header_timeout) => first,
                () = stopped(&mut stop) => First::Nothing,
            };
            match first {
                First::EventStream => {
                    event_streams::serve(tcp, peer, router, header_timeout, stop).await;
                }
                // Boxed, so that a stream's task is not as large as hyper's connection.
                First::Other => Box::pin(with_hyper(tcp, peer, router, header_timeout, stop)).await,
                First::Nothing => {}
            }
        });
    }
    drop(listener);
    drop(open);
    let _ = all_closed.recv().await;
    Ok(())
}

/// Serves a connection's requests through hyper until it closes, or `stop` turns true.
async fn with_hyper(
    tcp: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let service = TowerToHyperService::new(router.map_request(
        move |request: hyper::Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let mut connection = pin!(builder.serve_connection(TokioIo::new(tcp), service));
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        () = stopped(&mut stop) => {
            // Closes at once when idle, else after the request in flight.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = ended {
        tracing::debug!(error = %e, peer = %peer, "connection ended");
    }
}

/// Resolves once `stop` is true; never if its sender is gone without saying so.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A peer that gave up before it was accepted is no trouble; anything else (out of file
/// descriptors, above all) is logged, and accepting pauses so as not to spin on it.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Open connections by address.
struct PerAddress {
    limit: usize,
    exempt: Vec<ipnet::IpNet>,
    /// Connections open, and whether the refusals at the cap have been logged.
    open: Mutex<HashMap<IpAddr, (usize, bool)>>,
}

/// One connection counted against its address, until dropped.
struct Slot {
    counts: Option<Arc<PerAddress>>,
    address: IpAddr,
}

impl PerAddress {
    fn new(limits: &Limits) -> Self {
        Self {
            limit: limits.per_address,
            exempt: limits.exempt.clone(),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for one more connection from `peer`, or `None` at the cap.
    fn claim(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        let address = counted_address(peer);
        if self.exempt.iter().any(|net| net.contains(&peer)) {
            return Some(Slot {
                counts: None,
                address,
            });
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let (count, logged) = open.entry(address).or_insert((0, false));
        if *count >= self.limit {
            if !*logged {
                *logged = true;
                tracing::warn!(
                    peer = %address,
                    limit = self.limit,
                    "connections refused: too many open from one address (SPSE_CONNECTIONS_PER_ADDRESS)"
                );
            }
            return None;
        }
        *count += 1;
        Some(Slot {
            counts: Some(Arc::clone(self)),
            address,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(counts) = &self.counts else {
            return;
        };
        let mut open = counts.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((count, logged)) = open.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            *logged = false;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_address: usize, exempt: &[&str]) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(5),
            per_address,
            exempt: exempt.iter().map(|n| n.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn the_cap_counts_per_address_and_frees_on_drop() {
        let counts = Arc::new(PerAddress::new(&limits(2, &["10.0.0.0/8"])));
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a = counts.claim(ip("203.0.113.9")).unwrap();
        let _b = counts.claim(ip("203.0.113.9")).unwrap();
        assert!(counts.claim(ip("203.0.113.9")).is_none(), "third refused");
        assert!(
            counts.claim(ip("203.0.113.10")).is_some(),
            "another address"
        );
        drop(a);
        assert!(counts.claim(ip("203.0.113.9")).is_some(), "freed on close");
        let proxies: Vec<_> = (0..5).map(|_| counts.claim(ip("10.0.0.2"))).collect();
        assert!(proxies.iter().all(Option::is_some), "a proxy is not capped");
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a = counted_address("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = counted_address("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = counted_address("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mapped = counted_address("::ffff:192.0.2.1".parse().unwrap());
        assert_eq!(mapped, "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
