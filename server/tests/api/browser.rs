//! Real headless Chromium (Debian's chromium and chromium-driver) through WebDriver.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use spse_auth::domain::user::UserKind;
use spse_protocol::OtpauthUri;

use crate::helpers::*;

/// A chromedriver process on a free port, stopped on drop.
pub struct Driver {
    child: Child,
    pub url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver is installed by the test command (Debian package chromium-driver)",
            );
        // Wait for the port to accept connections (readiness, not a timed assertion).
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _profile: tempfile::tempdir().unwrap(),
        }
    }

    pub async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--window-size=1200,1400".into(),
            format!("--user-data-dir={}", self._profile.path().display()),
        ];
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "args": args, "binary": "/usr/bin/chromium" }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a WebDriver session in headless Chromium")
    }
}

async fn fill_and_submit(c: &Client, field: &str, value: &str) {
    let input = c.find(Locator::Id(field)).await.expect(field);
    input.send_keys(value).await.expect("typing");
    c.find(Locator::Css("main form button[type=submit]"))
        .await
        .expect("submit button")
        .click()
        .await
        .expect("click");
}

/// Waits for the browser to arrive at `path` (a click on a submit button returns before
/// the navigation it starts has finished).
pub async fn wait_for_path(c: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now_at = c.current_url().await.expect("current URL");
        if now_at.path() == path {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still at {now_at}, expected {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .text()
        .await
        .expect("text")
}

/// Reads the activation QR code off a screenshot, as a phone camera would.
fn read_qr(png: &[u8]) -> String {
    let image = image::load_from_memory(png)
        .expect("screenshot is a PNG")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().expect("QR decodes").1
}

#[tokio::test]
async fn chromium_from_user_id_to_beranda_reading_the_qr_off_the_page() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let c = driver.browser().await;

    c.goto(&format!("{}/", app.base)).await.unwrap();
    c.find(Locator::LinkText("LOGIN"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("login-non-penyedia"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill_and_submit(&c, "user_id", "ppk1").await;
    wait_for_path(&c, "/login/password").await;
    fill_and_submit(&c, "password", PASSWORD).await;
    wait_for_path(&c, "/totp/aktivasi").await;

    let uri = read_qr(&c.screenshot().await.unwrap());
    let scanned = OtpauthUri::parse(&uri).expect(&uri);
    assert_eq!(scanned.account, "PPK1");
    let shown = text_of(&c, "totp-key").await;
    assert_eq!(
        scanned.key.to_base32(),
        shown.replace(' ', ""),
        "QR and text show one key"
    );

    fill_and_submit(&c, "code", &app.code(&scanned.key)).await;
    wait_for_path(&c, "/beranda").await;
    assert_eq!(text_of(&c, "user-id").await, "PPK1");
    assert_eq!(text_of(&c, "totp-status").await, "Aktif");

    c.find(Locator::Css("nav form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/").await;
    c.goto(&format!("{}/beranda", app.base)).await.unwrap();
    wait_for_path(&c, "/login").await;
    c.close().await.unwrap();
}
