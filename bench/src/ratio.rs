//! The password step against the hardware's limit, interleaved: the saturation runs in
//! slices of `SLICE`, each between two slices of the raw argon2id loop alone, and the
//! share is taken slice by slice against the raw rate on either side of it. This
//! machine's speed moves by a tenth and more within a minute (other guests on the same
//! host); measured minutes apart, the two rates disagreed by that much more than the
//! server's own overhead, and the same build read 80 % and 97 % in two runs.

use std::sync::Arc;
use std::time::Duration;

use crate::load::{self, Sample};
use crate::server::Server;
use crate::{argon, workloads};

/// One slice of either loop.
pub const SLICE: Duration = Duration::from_secs(1);

/// What the interleaved measurement found.
pub struct PasswordAgainstArgon {
    /// Every password slice's logins together (rate: over their steady windows).
    pub password: Sample,
    /// The slices' raw rates (verifications per second), one more than password slices.
    pub raw: Vec<f64>,
    /// CPU time of one raw verification, averaged over the raw slices, in µs.
    pub raw_cpu_us: f64,
    /// Each password slice's rate over the mean raw rate on either side of it, in %.
    pub shares: Vec<f64>,
    /// CPU seconds of the server and of this bench during the password slices alone.
    pub server_cpu: f64,
    pub client_cpu: f64,
    /// Of the server's, its hashing threads' alone.
    pub hashing_cpu: f64,
}

impl PasswordAgainstArgon {
    /// The median of the slices' shares.
    pub fn share(&self) -> f64 {
        load::median(self.shares.clone())
    }

    pub fn raw_rate(&self) -> f64 {
        self.raw.iter().sum::<f64>() / self.raw.len().max(1) as f64
    }
}

async fn raw_slice() -> anyhow::Result<(f64, f64)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::task::spawn_blocking(move || argon::verify_rate(cores, SLICE)).await?
}

/// `slices` password slices of `clients` browsers, each between two raw slices.
pub async fn measure(
    server: &Server,
    users: Arc<Vec<String>>,
    clients: usize,
    slices: usize,
) -> anyhow::Result<PasswordAgainstArgon> {
    let (first, mut cpu) = raw_slice().await?;
    let mut raw = vec![first];
    let mut password = Sample::default();
    let mut shares = Vec::with_capacity(slices);
    let (mut server_cpu, mut client_cpu, mut hashing_cpu) = (0.0, 0.0, 0.0);
    for _ in 0..slices.max(1) {
        let (server_before, client_before) = (server.cpu_seconds()?, own_cpu()?);
        let hashing_before = server.hashing_cpu_seconds()?;
        let slice =
            workloads::password_saturated(&server.base, users.clone(), clients, SLICE).await;
        server_cpu += server.cpu_seconds()? - server_before;
        client_cpu += own_cpu()? - client_before;
        hashing_cpu += server.hashing_cpu_seconds()? - hashing_before;
        let (after, after_cpu) = raw_slice().await?;
        let around = (raw[raw.len() - 1] + after) / 2.0;
        shares.push(100.0 * slice.rate() / around);
        raw.push(after);
        cpu += after_cpu;
        password.combine(slice);
    }
    Ok(PasswordAgainstArgon {
        password,
        raw_cpu_us: cpu / raw.len() as f64,
        raw,
        shares,
        server_cpu,
        client_cpu,
        hashing_cpu,
    })
}

fn own_cpu() -> anyhow::Result<f64> {
    crate::server::own_cpu_seconds()
}
