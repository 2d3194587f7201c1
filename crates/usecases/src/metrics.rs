//! Prometheus metrics: counters and latency histograms kept in the process, gauges read
//! from the database at scrape time (so every instance reports the shared state).

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NameLabels {
    name: String,
}

/// 0.5 ms to about 16 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

pub use spse_store::SharedGauges;

pub struct Metrics {
    registry: Registry,
    events: Family<EventLabels, Counter>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    shared: Family<NameLabels, Gauge>,
    pool: Family<NameLabels, Gauge>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("spse_auth");
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "events",
            "Access-log events by kind: logins by step and result, lockouts, approvals, resets",
            events.clone(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by route",
            latency.clone(),
        );
        let shared = Family::<NameLabels, Gauge>::default();
        registry.register(
            "state",
            "Shared state in the database: pending approvals and activations, sessions, mail queue, locked accounts",
            shared.clone(),
        );
        let pool = Family::<NameLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections of this instance",
            pool.clone(),
        );
        Self {
            registry,
            events,
            requests,
            latency,
            shared,
            pool,
        }
    }

    pub fn event(&self, name: &str) {
        self.events
            .get_or_create(&EventLabels {
                event: name.to_string(),
            })
            .inc();
    }

    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The text exposition, with the shared gauges and pool figures as of now.
    pub fn render(&self, shared: &SharedGauges, pool: (u32, u32)) -> String {
        let set = |name: &str, value: i64| {
            self.shared
                .get_or_create(&NameLabels {
                    name: name.to_string(),
                })
                .set(value);
        };
        set("pending_approvals", shared.pending_approvals);
        set("pending_activations", shared.pending_activations);
        set("sessions_full", shared.full_sessions);
        set("sessions_half_open", shared.half_open_sessions);
        set("mail_queued", shared.mail_queued);
        set("mail_failed", shared.mail_failed);
        set("locked_accounts", shared.locked_accounts);
        let (open, idle) = pool;
        self.pool
            .get_or_create(&NameLabels {
                name: "open".into(),
            })
            .set(i64::from(open));
        self.pool
            .get_or_create(&NameLabels {
                name: "idle".into(),
            })
            .set(i64::from(idle));
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::error!("metrics could not be encoded");
        }
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
