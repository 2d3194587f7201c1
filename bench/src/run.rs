//! One run of the bench: a fresh server process, each workload in turn, and the figures
//! it gave.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::load::Sample;
use crate::peer::{self, Peer};
use crate::report::Figures;
use crate::server::{self, Server, Target};
use crate::setup::{self, CodeUser, DeviceUser};
use crate::{PENDING_PER_ACCOUNT, Plan, oidc, ratio, workloads};

/// The soft limit on open files: each waiting page is a socket on both ends.
fn open_files_limit() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()?
        .lines()
        .find(|l| l.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

/// CPU used by the server and by this bench (the client) during one measurement.
struct Cpu {
    server: f64,
    client: f64,
}

impl Cpu {
    fn start(server: &Server) -> anyhow::Result<Self> {
        Ok(Self {
            server: server.cpu_seconds()?,
            client: server::own_cpu_seconds()?,
        })
    }

    /// Microseconds of CPU per answered request, for the server and for the client.
    fn per_request(
        &self,
        server: &Server,
        figures: &mut Figures,
        [server_key, client_key]: [&'static str; 2],
        sample: &Sample,
    ) -> anyhow::Result<()> {
        let n = sample.latencies.len().max(1) as f64;
        figures.insert(server_key, (server.cpu_seconds()? - self.server) * 1e6 / n);
        figures.insert(
            client_key,
            (server::own_cpu_seconds()? - self.client) * 1e6 / n,
        );
        Ok(())
    }
}

fn join(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.1}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn put(figures: &mut Figures, prefix: &'static [&'static str; 4], sample: &Sample) {
    let [rate, p50, p95, p99] = *prefix;
    if !rate.is_empty() {
        figures.insert(rate, sample.rate());
    }
    figures.insert(p50, sample.ms(0.50));
    if !p95.is_empty() {
        figures.insert(p95, sample.ms(0.95));
    }
    figures.insert(p99, sample.ms(0.99));
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn one_run(
    target: &Target,
    log: &Path,
    plan: &Plan,
    code_users: &mut Vec<CodeUser>,
    approval_users: &[DeviceUser],
    waiting_users: &[DeviceUser],
    module: &oidc::Module,
    peer: Option<(&Peer, &mut Vec<peer::Token>)>,
    notes: &mut Vec<String>,
) -> anyhow::Result<Figures> {
    let mut figures = Figures::new();
    let server = Server::start(target, log).await?;
    figures.insert("start_ms", server.start.as_secs_f64() * 1000.0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    figures.insert("rss_idle", mb(server.memory()?.rss_kib));

    eprintln!("  password step");
    let ids: Arc<Vec<String>> = Arc::new(code_users.iter().map(|u| u.user_id.clone()).collect());
    let slices = plan.duration.as_secs().max(1) as usize;
    let measured = ratio::measure(&server, ids.clone(), plan.password_clients, slices).await?;
    let saturated = &measured.password;
    put(
        &mut figures,
        &["pw_sat_rate", "pw_sat_p50", "pw_sat_p95", "pw_sat_p99"],
        saturated,
    );
    let logins = saturated.latencies.len().max(1) as f64;
    figures.insert("pw_cpu_server", measured.server_cpu * 1e6 / logins);
    figures.insert("pw_cpu_client", measured.client_cpu * 1e6 / logins);
    figures.insert("pw_cpu_hashing", measured.hashing_cpu * 1e6 / logins);
    figures.insert("argon_cpu", measured.raw_cpu_us);
    figures.insert(
        "pw_cpu_ratio",
        100.0 * figures["argon_cpu"] / figures["pw_cpu_server"],
    );
    figures.insert("argon_rate", measured.raw_rate());
    figures.insert("pw_ratio", measured.share());
    let (slowest, fastest) = measured
        .raw
        .iter()
        .fold((f64::MAX, 0.0_f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    notes.push(format!(
        "Password step against raw argon2id, slice by slice: shares {} %; raw rates {} /s \
         (from {slowest:.0} to {fastest:.0}: the machine's speed moved by {:.0} %).",
        join(&measured.shares),
        join(&measured.raw),
        100.0 * (fastest - slowest) / fastest.max(1e-9),
    ));
    let half =
        workloads::password_at_rate(&server.base, ids, saturated.rate() / 2.0, plan.duration).await;
    put(
        &mut figures,
        &["", "pw_half_p50", "pw_half_p95", "pw_half_p99"],
        &half,
    );
    figures.insert("rss_peak", mb(server.memory()?.peak_kib));
    let errors = saturated.errors + half.errors;

    eprintln!("  code step");
    let group = setup::fresh_code_users(code_users, plan.code_batch).await?;
    let browsers = workloads::at_code_step(&server.base, &group).await?;
    let cpu = Cpu::start(&server)?;
    let (code_saturated, signed_in) =
        workloads::code_saturated(browsers, group, plan.password_clients).await;
    cpu.per_request(
        &server,
        &mut figures,
        ["code_cpu_server", "code_cpu_client"],
        &code_saturated,
    )?;
    put(
        &mut figures,
        &["code_sat_rate", "code_sat_p50", "", "code_sat_p99"],
        &code_saturated,
    );
    let group = setup::fresh_code_users(code_users, plan.code_batch).await?;
    let browsers = workloads::at_code_step(&server.base, &group).await?;
    let (code_half, rest) =
        workloads::code_at_rate(browsers, group, code_saturated.rate() / 2.0).await;
    put(
        &mut figures,
        &["", "code_half_p50", "", "code_half_p99"],
        &code_half,
    );
    let mut errors = errors + code_saturated.errors + code_half.errors;
    if let Some((peer, tokens)) = peer {
        eprintln!("  privacyIDEA /validate/check");
        errors += peer_code_step(peer, tokens, plan, &mut figures).await?;
    }

    eprintln!("  /beranda");
    let (browsers, users): (Vec<_>, Vec<_>) = signed_in.into_iter().unzip();
    code_users.extend(users);
    let (module_browsers, users): (Vec<_>, Vec<_>) = rest.into_iter().unzip();
    code_users.extend(users);
    let browsers: Vec<_> = browsers.into_iter().take(plan.beranda_clients).collect();
    let cpu = Cpu::start(&server)?;
    let beranda = workloads::beranda(browsers, plan.duration).await;
    cpu.per_request(
        &server,
        &mut figures,
        ["beranda_cpu_server", "beranda_cpu_client"],
        &beranda,
    )?;
    figures.insert(
        "beranda_capacity",
        std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
            / (figures["beranda_cpu_server"] / 1e6),
    );
    figures.insert("beranda_rate", beranda.rate());
    figures.insert("beranda_p99", beranda.ms(0.99));
    let errors = errors + beranda.errors;

    eprintln!("  OpenID round trips");
    let module_browsers: Vec<_> = module_browsers
        .into_iter()
        .take(plan.password_clients)
        .collect();
    let cpu = Cpu::start(&server)?;
    let (trips, held) = oidc::round_trips(module_browsers, module, plan.duration).await;
    put(
        &mut figures,
        &["oidc_trip_rate", "oidc_trip_p50", "", "oidc_trip_p99"],
        &trips,
    );
    cpu.per_request(
        &server,
        &mut figures,
        ["oidc_trip_cpu_server", "oidc_trip_cpu_client"],
        &trips,
    )?;
    let cpu = Cpu::start(&server)?;
    let refreshes = oidc::refreshes(&server.base, module, held, plan.duration).await;
    put(
        &mut figures,
        &[
            "oidc_refresh_rate",
            "oidc_refresh_p50",
            "",
            "oidc_refresh_p99",
        ],
        &refreshes,
    );
    cpu.per_request(
        &server,
        &mut figures,
        ["oidc_refresh_cpu_server", "oidc_refresh_cpu_client"],
        &refreshes,
    )?;
    let errors = errors + trips.errors + refreshes.errors;

    eprintln!("  approvals");
    let approvals =
        workloads::approval_latency(&server.base, approval_users, plan.approvals).await?;
    figures.insert("approval_p50", approvals.ms(0.50));
    figures.insert("approval_p99", approvals.ms(0.99));

    if !waiting_users.is_empty() {
        waiting_pages(&server, plan, waiting_users, &mut figures, notes).await?;
    }
    if errors > 0 {
        notes.push(format!(
            "{errors} requests failed in this run (see the log above)."
        ));
    }
    server.stop().await?;
    Ok(figures)
}

/// The server's memory with `plan.waiting_pages` acceptor pages waiting, each its own
/// login attempt.
async fn waiting_pages(
    server: &Server,
    plan: &Plan,
    waiting_users: &[DeviceUser],
    figures: &mut Figures,
    notes: &mut Vec<String>,
) -> anyhow::Result<()> {
    eprintln!("  {} waiting pages", plan.waiting_pages);
    match open_files_limit() {
        Some(limit) if limit < plan.waiting_pages as u64 + 1000 => notes.push(format!(
            "Waiting pages not measured: the open-files limit is {limit} (`ulimit -n`); \
             raise it above {}.",
            plan.waiting_pages + 1000
        )),
        _ => {
            let before = server.memory()?.rss_kib;
            let (mut streams, ended_at_open) = workloads::open_waiting_pages(
                &server.base,
                waiting_users,
                PENDING_PER_ACCOUNT,
                plan.waiting_pages,
            )
            .await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let with_pages = server.memory()?.rss_kib;
            figures.insert("rss_waiting", mb(with_pages));
            figures.insert("rss_waiting_added", mb(with_pages.saturating_sub(before)));
            let ended = ended_at_open + workloads::ended(&mut streams).await;
            if ended > 0 {
                notes.push(format!(
                    "{ended} of {} waiting pages had their wait end before the memory was read.",
                    streams.len()
                ));
            }
            drop(streams);
        }
    }
    Ok(())
}

/// privacyIDEA's `/validate/check` right after our code step, with the same client and
/// the same load shapes: each of `plan.code_batch` tokens sends its current code,
/// `plan.password_clients` at a time, then as many more at half that rate.
async fn peer_code_step(
    peer: &Peer,
    tokens: &mut Vec<peer::Token>,
    plan: &Plan,
    figures: &mut Figures,
) -> anyhow::Result<usize> {
    peer::fresh(tokens).await;
    let mut first = std::mem::take(tokens);
    let rest = first.split_off(plan.code_batch.min(first.len()));
    let cpu = peer.cpu_seconds()?;
    let (saturated, first) = peer::saturated(&peer.base, first, plan.password_clients).await;
    let used = (peer.cpu_seconds()? - cpu) * 1e6 / saturated.latencies.len().max(1) as f64;
    figures.insert("peer_cpu", used);
    put(
        figures,
        &["peer_sat_rate", "peer_sat_p50", "", "peer_sat_p99"],
        &saturated,
    );
    figures.insert("code_vs_peer", figures["code_sat_rate"] / saturated.rate());
    let (half, rest) = peer::at_rate(&peer.base, rest, saturated.rate() / 2.0).await;
    put(figures, &["", "peer_half_p50", "", "peer_half_p99"], &half);
    tokens.extend(first);
    tokens.extend(rest);
    Ok(saturated.errors + half.errors)
}
