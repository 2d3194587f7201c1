//! A sandbox per test: its own store path and environment, no terminal, no shared state.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use image::{GrayImage, Luma, Rgb, RgbImage};
use qrcode::QrCode;
pub use spse_testkit::oathtool;
use tempfile::TempDir;

pub const PASSPHRASE: &str = "kata sandi panjang 123";
/// RFC 6238's SHA-1 test key, "12345678901234567890".
pub const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
pub const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// An activation URI as spse-auth puts it in its QR code.
pub fn spse_uri(issuer: &str, account: &str, secret: &str) -> String {
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30&server=http%3A%2F%2F127.0.0.1%3A8080&enroll=tok123"
    )
}

/// A URI as any other TOTP service would make it (no push).
pub fn plain_uri(issuer: &str, account: &str, secret: &str) -> String {
    format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}")
}

pub struct Sandbox {
    pub dir: TempDir,
    pub store: PathBuf,
    passphrase: Option<String>,
    env: Vec<(String, String)>,
}

/// What a run of the binary left behind.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn fails(self) -> Self {
        assert_eq!(
            self.code,
            Some(1),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }
}

impl Sandbox {
    /// The store sits two directories deep, so creating it must create them too.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("data/spse-authenticator/store.json.enc");
        Self {
            dir,
            store,
            passphrase: Some(PASSPHRASE.into()),
            env: Vec::new(),
        }
    }

    pub fn with_passphrase(mut self, passphrase: Option<&str>) -> Self {
        self.set_passphrase(passphrase);
        self
    }

    /// What the next runs get in `SPSE_AUTHENTICATOR_PASSPHRASE` (`None`: unset).
    pub fn set_passphrase(&mut self, passphrase: Option<&str>) {
        self.passphrase = passphrase.map(str::to_string);
    }

    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Runs the binary with a clean environment (so the developer's locale and store
    /// play no part) and stdin closed (so nothing is ever prompted).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], input: Option<&str>) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_spse-authenticator"));
        command
            .args(args)
            .env_clear()
            .env("SPSE_AUTHENTICATOR_STORE", &self.store)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(passphrase) = &self.passphrase {
            command.env("SPSE_AUTHENTICATOR_PASSPHRASE", passphrase);
        }
        let output: Output = match input {
            None => command.stdin(Stdio::null()).output().unwrap(),
            Some(text) => {
                let path = self.dir.path().join("stdin.txt");
                std::fs::write(&path, text).unwrap();
                command
                    .stdin(std::fs::File::open(path).unwrap())
                    .output()
                    .unwrap()
            }
        };
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Adds for codes only: these tests are not about the server (the push tests run
    /// their own, see `push_server`).
    /// Runs the binary on a pseudo-terminal (util-linux `script`), typing `input`: what
    /// a person at the keyboard sees, prompts and echo included, ends up in `stdout`.
    pub fn run_in_terminal(&self, args: &[&str], input: &str) -> Run {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let line = std::iter::once(env!("CARGO_BIN_EXE_spse-authenticator"))
            .chain(args.iter().copied())
            .map(quote)
            .collect::<Vec<_>>()
            .join(" ");
        let mut command = Command::new("script");
        command
            .args(["--quiet", "--return", "--command", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SPSE_AUTHENTICATOR_STORE", &self.store)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(passphrase) = &self.passphrase {
            command.env("SPSE_AUTHENTICATOR_PASSPHRASE", passphrase);
        }
        let path = self.dir.path().join("typed.txt");
        std::fs::write(&path, input).unwrap();
        let output = command
            .stdin(std::fs::File::open(path).unwrap())
            .output()
            .expect("util-linux `script` is needed for this test");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn add(&self, uri: &str) -> Run {
        self.run(&["add", "--no-push", uri])
    }

    /// The code as a script gets it (stdout is a pipe here).
    pub fn code_at(&self, account: &str, unix: u64) -> String {
        let run = self.run(&["code", account, "--at", &unix.to_string()]).ok();
        run.stdout.trim_end_matches('\n').to_string()
    }

    pub fn store_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.store).unwrap()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A QR code as it would be rendered on screen (with its quiet zone).
pub fn qr_image(text: &str, module_pixels: u32) -> GrayImage {
    QrCode::new(text.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .module_dimensions(module_pixels, module_pixels)
        .build()
}

/// A page-sized screenshot: white, a header bar, grey "text" lines, and the QR code
/// pasted at an offset, as on the activation page.
pub fn screenshot(text: &str) -> RgbImage {
    let mut page = RgbImage::from_pixel(1600, 1000, Rgb([255, 255, 255]));
    fill(&mut page, (0, 0, 1600, 80), Rgb([180, 30, 40]));
    for line in 0..12 {
        let y = 140 + line * 40;
        fill(
            &mut page,
            (60, y, 700 - (line % 3) * 90, 14),
            Rgb([90, 90, 90]),
        );
    }
    let qr = image::DynamicImage::ImageLuma8(qr_image(text, 5)).to_rgb8();
    image::imageops::overlay(&mut page, &qr, 930, 310);
    page
}

fn fill(page: &mut RgbImage, (x, y, w, h): (u32, u32, u32, u32), colour: Rgb<u8>) {
    for py in y..y + h {
        for px in x..x + w {
            page.put_pixel(px, py, colour);
        }
    }
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().mode() & 0o777
}
