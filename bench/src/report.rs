//! The markdown report: the machine, then one row per figure with the median over runs,
//! every run's value, and the target beside it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::load::median;

/// One run's figures by name.
pub type Figures = BTreeMap<&'static str, f64>;

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub load: String,
    pub date: String,
}

impl Machine {
    pub fn here(date: String) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown".into());
        let load = std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            load,
            date,
        }
    }
}

/// What a row shows: its label, the figure's key, a format, and the target.
struct Row {
    label: &'static str,
    key: &'static str,
    unit: &'static str,
    target: &'static str,
    /// Whether the median meets the target, if the target is a number.
    met: Option<fn(f64) -> bool>,
}

const fn row(
    label: &'static str,
    key: &'static str,
    unit: &'static str,
    target: &'static str,
    met: Option<fn(f64) -> bool>,
) -> Row {
    Row {
        label,
        key,
        unit,
        target,
        met,
    }
}

const ROWS: &[Row] = &[
    row(
        "password step at saturation",
        "pw_sat_rate",
        "logins/s",
        "",
        None,
    ),
    row(
        "raw argon2id verify, all cores",
        "argon_rate",
        "verifies/s",
        "",
        None,
    ),
    row(
        "password step / raw argon2id",
        "pw_ratio",
        "%",
        "≥ 92 %",
        Some(|v| v >= 92.0),
    ),
    row(
        "server CPU per password login (4 requests)",
        "pw_cpu_server",
        "µs",
        "",
        None,
    ),
    row("argon2id CPU per verify", "argon_cpu", "µs", "", None),
    row(
        "argon2id share of the server's CPU per login",
        "pw_cpu_ratio",
        "%",
        "",
        None,
    ),
    row(
        "CPU of the server's argon2id threads per login",
        "pw_cpu_hashing",
        "µs",
        "",
        None,
    ),
    row(
        "client CPU per password login",
        "pw_cpu_client",
        "µs",
        "",
        None,
    ),
    row(
        "password step p50 at saturation",
        "pw_sat_p50",
        "ms",
        "",
        None,
    ),
    row(
        "password step p95 at saturation",
        "pw_sat_p95",
        "ms",
        "",
        None,
    ),
    row(
        "password step p99 at saturation",
        "pw_sat_p99",
        "ms",
        "",
        None,
    ),
    row(
        "password step p50 at half rate",
        "pw_half_p50",
        "ms",
        "",
        None,
    ),
    row(
        "password step p95 at half rate",
        "pw_half_p95",
        "ms",
        "",
        None,
    ),
    row(
        "password step p99 at half rate",
        "pw_half_p99",
        "ms",
        "",
        None,
    ),
    row(
        "code step at saturation",
        "code_sat_rate",
        "req/s",
        "≥ 2,000",
        Some(|v| v >= 2000.0),
    ),
    row(
        "server CPU per accepted code",
        "code_cpu_server",
        "µs",
        "",
        None,
    ),
    row(
        "client CPU per accepted code",
        "code_cpu_client",
        "µs",
        "",
        None,
    ),
    row(
        "code step p50 at saturation",
        "code_sat_p50",
        "ms",
        "",
        None,
    ),
    row(
        "code step p99 at saturation",
        "code_sat_p99",
        "ms",
        "",
        None,
    ),
    row(
        "code step p50 at half rate",
        "code_half_p50",
        "ms",
        "",
        None,
    ),
    row(
        "code step p99 at half rate",
        "code_half_p99",
        "ms",
        "< 10 ms",
        Some(|v| v < 10.0),
    ),
    row(
        "privacyIDEA 3.14 /validate/check at saturation",
        "peer_sat_rate",
        "req/s",
        "",
        None,
    ),
    row(
        "privacyIDEA p50 at saturation",
        "peer_sat_p50",
        "ms",
        "",
        None,
    ),
    row(
        "privacyIDEA p99 at saturation",
        "peer_sat_p99",
        "ms",
        "",
        None,
    ),
    row(
        "privacyIDEA p99 at half rate",
        "peer_half_p99",
        "ms",
        "",
        None,
    ),
    row(
        "privacyIDEA CPU per accepted code (gunicorn, 2 workers)",
        "peer_cpu",
        "µs",
        "",
        None,
    ),
    row(
        "code step / privacyIDEA, same run",
        "code_vs_peer",
        "×",
        "≥ 100×",
        Some(|v| v >= 100.0),
    ),
    row(
        "approval → waiting page event p50",
        "approval_p50",
        "ms",
        "",
        None,
    ),
    row(
        "approval → waiting page event p99",
        "approval_p99",
        "ms",
        "",
        None,
    ),
    row(
        "OpenID authorization + token round trips",
        "oidc_trip_rate",
        "trips/s",
        "",
        None,
    ),
    row("round trip p50", "oidc_trip_p50", "ms", "", None),
    row("round trip p99", "oidc_trip_p99", "ms", "", None),
    row(
        "server CPU per round trip (2 requests)",
        "oidc_trip_cpu_server",
        "µs",
        "",
        None,
    ),
    row(
        "token endpoint, refresh with rotation",
        "oidc_refresh_rate",
        "req/s",
        "",
        None,
    ),
    row("token endpoint p50", "oidc_refresh_p50", "ms", "", None),
    row("token endpoint p99", "oidc_refresh_p99", "ms", "", None),
    row(
        "server CPU per token request",
        "oidc_refresh_cpu_server",
        "µs",
        "",
        None,
    ),
    row(
        "/beranda signed in",
        "beranda_rate",
        "req/s",
        "≥ 10,000",
        Some(|v| v >= 10_000.0),
    ),
    row("/beranda p99", "beranda_p99", "ms", "", None),
    row(
        "server CPU per /beranda",
        "beranda_cpu_server",
        "µs",
        "",
        None,
    ),
    row(
        "client CPU per /beranda",
        "beranda_cpu_client",
        "µs",
        "",
        None,
    ),
    row(
        "/beranda if the server had every core",
        "beranda_capacity",
        "req/s",
        "≥ 10,000",
        Some(|v| v >= 10_000.0),
    ),
    row(
        "RSS idle after start",
        "rss_idle",
        "MB",
        "< 20 MB",
        Some(|v| v < 20.0),
    ),
    row("RSS peak under password load", "rss_peak", "MB", "", None),
    row(
        "RSS with the waiting pages open",
        "rss_waiting",
        "MB",
        "< 150 MB",
        Some(|v| v < 150.0),
    ),
    row(
        "RSS added by the waiting logins and their pages",
        "rss_waiting_added",
        "MB",
        "",
        None,
    ),
    row(
        "start to /healthz 200",
        "start_ms",
        "ms",
        "< 200 ms",
        Some(|v| v < 200.0),
    ),
];

pub fn show(value: f64) -> String {
    if !value.is_finite() {
        "not measured".into()
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

pub fn render(machine: &Machine, setup: &str, runs: &[Figures], notes: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# spse-auth benchmark, {}\n", machine.date);
    let _ = writeln!(
        out,
        "Machine: {}, {} cores; load average at start {} (other work on the machine shares the cores).  ",
        machine.cpu, machine.cores, machine.load
    );
    let _ = writeln!(out, "{setup}\n");
    let _ = writeln!(
        out,
        "| figure | median of {} | unit | each run | target | met |",
        runs.len()
    );
    let _ = writeln!(out, "|---|---:|---|---|---|---|");
    for row in ROWS {
        let values: Vec<f64> = runs
            .iter()
            .map(|r| r.get(row.key).copied().unwrap_or(f64::NAN))
            .collect();
        // A figure no run measured (the peer without `--peer`, say) has no row.
        if values.iter().all(|v| v.is_nan()) {
            continue;
        }
        let m = median(values.clone());
        let each = values
            .iter()
            .map(|v| show(*v))
            .collect::<Vec<_>>()
            .join(" / ");
        let met = match row.met {
            Some(_) if !m.is_finite() => "?",
            Some(check) if check(m) => "yes",
            Some(_) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.label,
            show(m),
            row.unit,
            each,
            row.target,
            met
        );
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}
