//! `spse-bench --instances N`: the saturation figures with one instance, then with N
//! instances of `spse-auth serve` on the same database at once, each driven by its own
//! share of clients, so that each figure is shown per instance and together.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use futures_util::future::join_all;

use crate::load::Sample;
use crate::report::show;
use crate::server::{Server, Target};
use crate::setup::{self, CodeUser};
use crate::{Plan, workloads};

/// One measurement's figures on one instance.
#[derive(Clone, Copy, Default)]
struct Figures {
    password: f64,
    password_cpu_ms: f64,
    code: f64,
    code_cpu_ms: f64,
    beranda: f64,
    beranda_cpu_us: f64,
    rss_mb: f64,
}

/// CPU seconds of each server, read before and after a measurement.
fn cpu(servers: &[Server]) -> anyhow::Result<Vec<f64>> {
    servers.iter().map(Server::cpu_seconds).collect()
}

fn per_request(before: &[f64], servers: &[Server], samples: &[Sample]) -> anyhow::Result<Vec<f64>> {
    let after = cpu(servers)?;
    Ok(samples
        .iter()
        .zip(before.iter().zip(after))
        .map(|(s, (b, a))| (a - b) / s.latencies.len().max(1) as f64)
        .collect())
}

/// `count` servers on `target`'s database, all measured at once.
async fn measure(
    target: &Target,
    dir: &Path,
    plan: &Plan,
    code_users: &mut Vec<CodeUser>,
    count: usize,
) -> anyhow::Result<Vec<Figures>> {
    let mut servers = Vec::new();
    for i in 0..count {
        let log = dir.join(format!("server-{count}-{i}.log"));
        servers.push(Server::start(target, &log).await?);
    }
    let mut figures = vec![Figures::default(); count];

    eprintln!("  {count} instance(s): password step");
    let ids: Vec<String> = code_users.iter().map(|u| u.user_id.clone()).collect();
    let before = cpu(&servers)?;
    let samples = join_all(servers.iter().enumerate().map(|(i, server)| {
        // Each instance logs in its own users: no account is shared between them.
        let share: Vec<String> = ids.iter().skip(i).step_by(count).cloned().collect();
        workloads::password_saturated(
            &server.base,
            Arc::new(share),
            plan.password_clients,
            plan.duration,
        )
    }))
    .await;
    for (f, (s, cpu)) in figures.iter_mut().zip(
        samples
            .iter()
            .zip(per_request(&before, &servers, &samples)?),
    ) {
        f.password = s.rate();
        f.password_cpu_ms = cpu * 1e3;
    }

    eprintln!("  {count} instance(s): code step");
    let share = plan.code_batch / count;
    let mut groups = Vec::new();
    let mut browsers = Vec::new();
    for server in &servers {
        let group = setup::fresh_code_users(code_users, share).await?;
        browsers.push(workloads::at_code_step(&server.base, &group).await?);
        groups.push(group);
    }
    let before = cpu(&servers)?;
    let answered = join_all(
        browsers
            .into_iter()
            .zip(groups)
            .map(|(b, g)| workloads::code_saturated(b, g, plan.password_clients)),
    )
    .await;
    let samples: Vec<Sample> = answered.iter().map(|(s, _)| s.clone()).collect();
    for (f, (s, cpu)) in figures.iter_mut().zip(
        samples
            .iter()
            .zip(per_request(&before, &servers, &samples)?),
    ) {
        f.code = s.rate();
        f.code_cpu_ms = cpu * 1e3;
    }

    eprintln!("  {count} instance(s): /beranda");
    let mut signed_in = Vec::new();
    for (_, pairs) in answered {
        let (browsers, users): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
        code_users.extend(users);
        signed_in.push(browsers);
    }
    let before = cpu(&servers)?;
    let samples = join_all(signed_in.into_iter().map(|browsers| {
        let browsers = browsers.into_iter().take(plan.beranda_clients).collect();
        workloads::beranda(browsers, plan.duration)
    }))
    .await;
    for ((f, s), (cpu, server)) in figures.iter_mut().zip(&samples).zip(
        per_request(&before, &servers, &samples)?
            .into_iter()
            .zip(&servers),
    ) {
        f.beranda = s.rate();
        f.beranda_cpu_us = cpu * 1e6;
        f.rss_mb = server.memory()?.peak_kib as f64 / 1024.0;
    }
    for server in servers {
        server.stop().await?;
    }
    Ok(figures)
}

/// The report's table: one instance alone, then each of `count` and their sum.
pub async fn run(
    target: &Target,
    dir: &Path,
    plan: &Plan,
    code_users: &mut Vec<CodeUser>,
    count: usize,
) -> anyhow::Result<String> {
    let alone = measure(target, dir, plan, code_users, 1).await?[0];
    let many = measure(target, dir, plan, code_users, count).await?;
    let mut out = String::new();
    let _ = write!(out, "| figure | 1 instance |");
    for i in 1..=count {
        let _ = write!(out, " {count} instances: #{i} |");
    }
    let _ = writeln!(out, " together |");
    let _ = writeln!(out, "|---|---:|{}---:|", "---:|".repeat(count));
    type Pick = fn(&Figures) -> f64;
    let rows: [(&str, Pick, bool); 7] = [
        ("password logins/s at saturation", |f| f.password, true),
        (
            "server CPU per password login, ms",
            |f| f.password_cpu_ms,
            false,
        ),
        ("code step req/s at saturation", |f| f.code, true),
        ("server CPU per accepted code, ms", |f| f.code_cpu_ms, false),
        ("/beranda req/s", |f| f.beranda, true),
        ("server CPU per /beranda, µs", |f| f.beranda_cpu_us, false),
        ("RSS peak, MB", |f| f.rss_mb, true),
    ];
    for (label, pick, sums) in rows {
        let _ = write!(out, "| {label} | {} |", show(pick(&alone)));
        for f in &many {
            let _ = write!(out, " {} |", show(pick(f)));
        }
        let values: Vec<f64> = many.iter().map(pick).collect();
        let together = if sums {
            values.iter().sum::<f64>()
        } else {
            values.iter().sum::<f64>() / values.len().max(1) as f64
        };
        let _ = writeln!(
            out,
            " {}{} |",
            show(together),
            if sums { "" } else { " (mean)" }
        );
    }
    Ok(out)
}
