//! `spse-bench`: starts the real `spse-auth serve` on a fresh database, drives it over
//! loopback as browsers and authenticator apps do, and prints throughput, latency and
//! memory beside the targets of issue 7.

mod appends;
mod argon;
mod browser;
mod device;
mod load;
mod oidc;
mod report;
mod server;
mod setup;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;

use crate::load::Sample;
use crate::report::{Figures, Machine};
use crate::server::{PostgresDatabase, Server, Target};
use crate::setup::{CodeUser, DeviceUser};

#[derive(Parser)]
#[command(about = "Benchmark the real spse-auth server over loopback")]
struct Args {
    /// Run on a new database on this PostgreSQL server (made and dropped by the bench),
    /// e.g. postgres://postgres@127.0.0.1:5432/postgres. Default: a fresh SQLite file.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Runs; each figure is the median over them.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// One short run, to check the bench itself.
    #[arg(long)]
    quick: bool,
    /// Waiting acceptor pages held open at once for the memory figure.
    #[arg(long, default_value_t = 10_000)]
    waiting_pages: usize,
    /// Use this server binary instead of building target/release/spse-auth.
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// An environment variable for the server, e.g. MALLOC_ARENA_MAX=2 (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    server_env: Vec<String>,
    /// Where the report is written as <date>.md.
    #[arg(long, value_name = "DIR")]
    results: Option<PathBuf>,
    /// Only measure access-log appends on --postgres (two instances, 32 writers).
    #[arg(long, requires = "postgres")]
    log_appends: bool,
}

/// Sizes of one run.
struct Plan {
    runs: usize,
    duration: Duration,
    argon: Duration,
    code_batch: usize,
    approvals: usize,
    password_clients: usize,
    beranda_clients: usize,
    waiting_pages: usize,
}

/// Device users reserved for the approval latency. The waiting pages of the first run
/// take accounts of their own: each page is a login attempt of its own (a distinct
/// session), and an account has at most three pending approvals at once.
const APPROVAL_USERS: usize = 3;
const PENDING_PER_ACCOUNT: usize = 3;

impl Plan {
    fn waiting_accounts(&self) -> usize {
        self.waiting_pages.div_ceil(PENDING_PER_ACCOUNT)
    }
}

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let (true, Some(url)) = (args.log_appends, &args.postgres) {
        let each = Duration::from_secs(if args.quick { 3 } else { 10 });
        return appends::run(url, each).await;
    }
    let plan = if args.quick {
        Plan {
            runs: 1,
            duration: Duration::from_secs(3),
            argon: Duration::from_secs(2),
            code_batch: 50,
            approvals: 5,
            password_clients: 8,
            beranda_clients: 16,
            waiting_pages: args.waiting_pages,
        }
    } else {
        Plan {
            runs: args.runs.max(1),
            duration: Duration::from_secs(8),
            argon: Duration::from_secs(3),
            code_batch: 200,
            approvals: 20,
            password_clients: 8,
            beranda_clients: 16,
            waiting_pages: args.waiting_pages,
        }
    };
    let date = time::OffsetDateTime::now_utc();
    let stamp = date
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let machine = Machine::here(stamp);
    let binary = server::server_binary(args.binary.as_deref())?;

    let dir = tempfile::tempdir()?;
    let postgres = args
        .postgres
        .as_deref()
        .map(PostgresDatabase::create)
        .transpose()?;
    let target = Target {
        binary,
        data_dir: dir.path().join("data"),
        database_url: postgres.as_ref().map(|db| db.url.clone()),
        env: args
            .server_env
            .iter()
            .map(|pair| {
                pair.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .with_context(|| format!("--server-env {pair}: NAME=VALUE"))
            })
            .collect::<anyhow::Result<_>>()?,
    };
    std::fs::create_dir_all(&target.data_dir)?;
    let database = if postgres.is_some() {
        "PostgreSQL (a new database, dropped at the end)"
    } else {
        "SQLite (a fresh file in a temp dir)"
    };

    let (mut code_users, device_users, module) = prepare(&target, dir.path(), &plan).await?;
    let mut notes = vec![format!(
        "Setup: {} users made with `spse-auth user add --password-stdin`; {} activated by \
         code through the activation page, {} by enrolling a device (Ed25519) with the \
         page's token.",
        code_users.len() + device_users.len(),
        code_users.len(),
        device_users.len()
    )];
    let mut runs = Vec::new();
    for run in 0..plan.runs {
        eprintln!("run {} of {}", run + 1, plan.runs);
        let log = dir.path().join(format!("server-{run}.log"));
        let waiting = if run == 0 {
            &device_users[APPROVAL_USERS..]
        } else {
            &[]
        };
        let mut run_notes = Vec::new();
        let figures = one_run(
            &target,
            &log,
            &plan,
            &mut code_users,
            &device_users[..APPROVAL_USERS],
            waiting,
            &module,
            &mut run_notes,
        )
        .await
        .with_context(|| format!("run {}", run + 1))?;
        notes.extend(
            run_notes
                .into_iter()
                .map(|n| format!("Run {}: {n}", run + 1)),
        );
        runs.push(figures);
    }
    drop(postgres);

    let extra_env = if args.server_env.is_empty() {
        String::new()
    } else {
        format!(", `{}`", args.server_env.join("`, `"))
    };
    let setup = format!(
        "Database: {database}. Server: `target/release/spse-auth serve`, `SPSE_CAPTCHA=off`{extra_env}, \
         other settings at their defaults (argon2 at most {cores} at once). Client: this \
         bench, reqwest over loopback on the same cores. Password step: {pc} clients, each \
         login a new browser (GET and POST of the user ID, GET of the password form, then \
         the timed POST), {d} s at saturation and {d} s open-loop at half that rate. Code \
         step: {b} prepared logins of distinct users at saturation ({pc} at a time), {b} \
         more open-loop at half that rate (a code works once per user per 30 s step). \
         /beranda: {bc} signed-in browsers back to back for {d} s. Approval: {a} logins \
         one at a time, from sending the signed decision to the `done` event. OpenID: {pc} \
         signed-in browsers each send a module's authorization request (PKCE S256) and the \
         module exchanges the code (client secret), back to back for {d} s; then each \
         module refreshes with the rotated token the last answer gave, for {d} s. Waiting \
         pages (first run only): {w} event streams, each of its own login attempt waiting \
         for approval ({s} accounts, {p} attempts each), all from one address (the bench \
         raises `SPSE_EVENT_STREAMS_PER_ADDRESS` and `SPSE_CONNECTIONS_PER_ADDRESS`).",
        cores = machine.cores,
        pc = plan.password_clients,
        d = plan.duration.as_secs(),
        b = plan.code_batch,
        bc = plan.beranda_clients,
        a = plan.approvals,
        w = plan.waiting_pages,
        s = plan.waiting_accounts(),
        p = PENDING_PER_ACCOUNT,
    );
    let text = report::render(&machine, &setup, &runs, &notes);
    println!("{text}");
    let results = args
        .results
        .clone()
        .unwrap_or_else(|| server::workspace().join("bench/results"));
    std::fs::create_dir_all(&results)?;
    let mut name = date
        .format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default();
    if postgres_used(&args) {
        name.push_str("-postgres");
    }
    if args.quick {
        name.push_str("-quick");
    }
    let file = results.join(format!("{name}.md"));
    std::fs::write(&file, &text)?;
    eprintln!("written to {}", file.display());
    Ok(())
}

fn postgres_used(args: &Args) -> bool {
    args.postgres.is_some()
}

/// Makes the accounts and activates them on a server of its own, stopped before the
/// runs so their memory figures start from a fresh process.
async fn prepare(
    target: &Target,
    dir: &Path,
    plan: &Plan,
) -> anyhow::Result<(Vec<CodeUser>, Vec<DeviceUser>, oidc::Module)> {
    let status = Command::new(&target.binary)
        .arg("migrate")
        .env("SPSE_DATA_DIR", &target.data_dir)
        .envs(target.database_url.iter().map(|u| ("SPSE_DATABASE_URL", u)))
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("spse-auth migrate failed");
    }
    let code_count = 2 * plan.code_batch;
    let device_count = APPROVAL_USERS + plan.waiting_accounts();
    eprintln!("adding {} users", code_count + device_count);
    let code_ids = setup::add_users(target, "BENCH", code_count).await?;
    let device_ids = setup::add_users(target, "BDEV", device_count).await?;
    let module = oidc::Module::register(target)?;
    let server = Server::start(target, &dir.join("server-setup.log")).await?;
    eprintln!("activating TOTP");
    let code_users = setup::activate_by_code(&server.base, code_ids).await?;
    let device_users = setup::activate_with_device(&server.base, device_ids).await?;
    server.stop().await?;
    Ok((code_users, device_users, module))
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
            client: server::cpu_seconds("/proc/self/stat")?,
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
            (server::cpu_seconds("/proc/self/stat")? - self.client) * 1e6 / n,
        );
        Ok(())
    }
}

async fn argon_rate(duration: Duration) -> anyhow::Result<(f64, f64)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::task::spawn_blocking(move || argon::verify_rate(cores, duration)).await?
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
async fn one_run(
    target: &Target,
    log: &Path,
    plan: &Plan,
    code_users: &mut Vec<CodeUser>,
    approval_users: &[DeviceUser],
    waiting_users: &[DeviceUser],
    module: &oidc::Module,
    notes: &mut Vec<String>,
) -> anyhow::Result<Figures> {
    let mut figures = Figures::new();
    let server = Server::start(target, log).await?;
    figures.insert("start_ms", server.start.as_secs_f64() * 1000.0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    figures.insert("rss_idle", mb(server.memory()?.rss_kib));

    let (argon_before, argon_cpu_before) = argon_rate(plan.argon).await?;

    eprintln!("  password step");
    let ids: Arc<Vec<String>> = Arc::new(code_users.iter().map(|u| u.user_id.clone()).collect());
    let cpu = Cpu::start(&server)?;
    let saturated = workloads::password_saturated(
        &server.base,
        ids.clone(),
        plan.password_clients,
        plan.duration,
    )
    .await;
    put(
        &mut figures,
        &["pw_sat_rate", "pw_sat_p50", "pw_sat_p95", "pw_sat_p99"],
        &saturated,
    );
    cpu.per_request(
        &server,
        &mut figures,
        ["pw_cpu_server", "pw_cpu_client"],
        &saturated,
    )?;
    let (argon_after, argon_cpu_after) = argon_rate(plan.argon).await?;
    figures.insert("argon_cpu", (argon_cpu_before + argon_cpu_after) / 2.0);
    figures.insert(
        "pw_cpu_ratio",
        100.0 * figures["argon_cpu"] / figures["pw_cpu_server"],
    );
    // Other work on the machine moves both; the mean of the rates just before and just
    // after the saturation is the fairest yardstick.
    let argon = (argon_before + argon_after) / 2.0;
    figures.insert("argon_rate", argon);
    figures.insert("pw_ratio", 100.0 * saturated.rate() / argon);
    if (argon_before - argon_after).abs() > 0.2 * argon {
        notes.push(format!(
            "The raw argon2id rate moved from {argon_before:.1}/s before the password \
             saturation to {argon_after:.1}/s after it: the machine's load changed."
        ));
    }
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
    let (code_saturated, signed_in) =
        workloads::code_saturated(browsers, group, plan.password_clients).await;
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
    let errors = errors + code_saturated.errors + code_half.errors;

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
            let cookies =
                workloads::waiting_sessions(&server.base, waiting_users, PENDING_PER_ACCOUNT)
                    .await?;
            let before = server.memory()?.rss_kib;
            let mut streams =
                workloads::open_waiting_pages(&server.base, &cookies, plan.waiting_pages).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let with_pages = server.memory()?.rss_kib;
            figures.insert("rss_waiting", mb(with_pages));
            figures.insert("rss_waiting_added", mb(with_pages.saturating_sub(before)));
            let ended = workloads::ended(&mut streams).await;
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
