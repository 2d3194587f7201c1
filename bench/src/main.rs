//! `spse-bench`: starts the real `spse-auth serve` on a fresh database, drives it over
//! loopback as browsers and authenticator apps do, and prints throughput, latency and
//! memory beside the targets of issue 7.

mod appends;
mod argon;
mod browser;
mod device;
mod instances;
mod load;
mod oidc;
mod peer;
mod ratio;
mod report;
mod run;
mod server;
mod setup;
mod visit;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser;

use crate::report::Machine;
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
    /// Measure a peer's code check beside ours in every run: `privacyidea` installs
    /// privacyIDEA 3.14 from PyPI into a throwaway virtual environment.
    #[arg(long, value_enum, value_name = "PEER")]
    peer: Option<PeerName>,
    /// Only the saturation figures (password, code step, /beranda), first with one
    /// instance and then with N at once on the same --postgres database.
    #[arg(long, value_name = "N", requires = "postgres")]
    instances: Option<usize>,
    /// Logins sent their code at saturation per run (as many again at half rate);
    /// default 50 with --quick, else 200. Each costs a password step to prepare.
    #[arg(long, value_name = "N")]
    code_batch: Option<usize>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PeerName {
    Privacyidea,
}

/// Sizes of one run.
pub(crate) struct Plan {
    runs: usize,
    pub(crate) duration: Duration,
    pub(crate) code_batch: usize,
    pub(crate) approvals: usize,
    pub(crate) password_clients: usize,
    pub(crate) beranda_clients: usize,
    pub(crate) waiting_pages: usize,
}

/// Device users reserved for the approval latency. The waiting pages of the first run
/// take accounts of their own: each page is a login attempt of its own (a distinct
/// session), and an account has at most three pending approvals at once.
const APPROVAL_USERS: usize = 3;
pub(crate) const PENDING_PER_ACCOUNT: usize = 3;

impl Plan {
    fn waiting_accounts(&self) -> usize {
        self.waiting_pages.div_ceil(PENDING_PER_ACCOUNT)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let (true, Some(url)) = (args.log_appends, &args.postgres) {
        let each = Duration::from_secs(if args.quick { 3 } else { 10 });
        return appends::run(url, each).await;
    }
    // The instances' figures need no waiting pages.
    let waiting_pages = if args.instances.is_some() {
        0
    } else {
        args.waiting_pages
    };
    let plan = if args.quick {
        Plan {
            runs: 1,
            duration: Duration::from_secs(3),
            code_batch: args.code_batch.unwrap_or(50),
            approvals: 5,
            password_clients: 8,
            beranda_clients: 16,
            waiting_pages,
        }
    } else {
        Plan {
            runs: args.runs.max(1),
            duration: Duration::from_secs(8),
            code_batch: args.code_batch.unwrap_or(200),
            approvals: 20,
            password_clients: 8,
            beranda_clients: 16,
            waiting_pages,
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
    if let Some(count) = args.instances {
        let table =
            instances::run(&target, dir.path(), &plan, &mut code_users, count.max(2)).await?;
        let text = format!(
            "# spse-auth on several instances, {}\n\nMachine: {}, {} cores; load average at \
             start {}.  \nDatabase: {database}; every instance a `spse-auth serve` of its \
             own on it. Each instance is driven at once by its own clients, as in the main \
             bench: password step {pc} clients for {d} s, code step {b} prepared logins in \
             all ({pc} at a time per instance), /beranda up to {bc} signed-in browsers per \
             instance for {d} s.\n\n{table}",
            machine.date,
            machine.cpu,
            machine.cores,
            machine.load,
            pc = plan.password_clients,
            d = plan.duration.as_secs(),
            b = plan.code_batch,
            bc = plan.beranda_clients,
        );
        println!("{text}");
        drop(postgres);
        return write_report(&args, date, "instances", &text);
    }
    let mut peer = match args.peer {
        Some(PeerName::Privacyidea) => {
            let peer = peer::Peer::start().await?;
            let tokens = peer.tokens(2 * plan.code_batch).await?;
            Some((peer, tokens))
        }
        None => None,
    };
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
        let figures = run::one_run(
            &target,
            &log,
            &plan,
            &mut code_users,
            &device_users[..APPROVAL_USERS],
            waiting,
            &module,
            peer.as_mut().map(|(peer, tokens)| (&*peer, tokens)),
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
         bench, reqwest over loopback on the same cores. Saturation rates of closed loops count \
         the requests finished in their measured seconds, after a warm-up of an eighth of \
         them. Raw argon2id: one thread per core verifying back to back in memory it keeps, \
         as the server's hashing threads do. Password step: {pc} clients, each \
         login a new browser (GET and POST of the user ID, GET of the password form, then \
         the timed POST), at saturation in {d} slices of 1 s, each between two 1 s slices \
         of the raw argon2id loop alone (its share of the raw rate: the median over the \
         slices of each slice's rate over the mean raw rate on either side), then {d} s \
         open-loop at half that rate. Code \
         step: {b} prepared logins of distinct users at saturation ({pc} at a time), {b} \
         more open-loop at half that rate (a code works once per user per 30 s step). \
         /beranda: {bc} signed-in browsers back to back for {d} s. Approval: {a} logins \
         one at a time, from sending the signed decision to the `done` event. OpenID: {pc} \
         signed-in browsers each send a module's authorization request (PKCE S256) and the \
         module exchanges the code (client secret), back to back for {d} s; then each \
         module refreshes with the rotated token the last answer gave, for {d} s. Waiting \
         pages (first run only): {w} event streams, each of its own login attempt waiting \
         for approval ({s} accounts, {p} attempts each), each opened on a connection of \
         its own right after its login, all from one address (the bench raises \
         `SPSE_EVENT_STREAMS_PER_ADDRESS` and `SPSE_CONNECTIONS_PER_ADDRESS`); the RSS \
         added counts the logins and their pages together.",
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
    let setup = match args.peer {
        Some(PeerName::Privacyidea) => format!(
            "{setup} Peer: privacyIDEA 3.14 from PyPI in a new virtual environment, \
             gunicorn with 2 workers on 127.0.0.1, its SQLite database, auditing on (its \
             default), {t} TOTP tokens enrolled through `/token/init`; in each run, right \
             after our code step, {b} tokens each POST their current code to \
             `/validate/check` ({pc} at a time), and {b} more at half that rate.",
            t = 2 * plan.code_batch,
            b = plan.code_batch,
            pc = plan.password_clients,
        ),
        None => setup,
    };
    drop(peer);
    let text = report::render(&machine, &setup, &runs, &notes);
    println!("{text}");
    write_report(&args, date, "", &text)
}

/// Writes the report to `<results>/<date>[-postgres][-kind][-quick].md`.
fn write_report(
    args: &Args,
    date: time::OffsetDateTime,
    kind: &str,
    text: &str,
) -> anyhow::Result<()> {
    let results = args
        .results
        .clone()
        .unwrap_or_else(|| server::workspace().join("bench/results"));
    std::fs::create_dir_all(&results)?;
    let mut name = date
        .format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default();
    if postgres_used(args) {
        name.push_str("-postgres");
    }
    if !kind.is_empty() {
        name.push('-');
        name.push_str(kind);
    }
    if args.quick {
        name.push_str("-quick");
    }
    let file = results.join(format!("{name}.md"));
    std::fs::write(&file, text)?;
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
