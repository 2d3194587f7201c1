//! Real headless Chromium (Debian's chromium and chromium-driver) through WebDriver.

use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use spse_domain::user::UserKind;
use spse_protocol::OtpauthUri;
use spse_testkit::{eventually_blocking, eventually_within};

use crate::helpers::*;

/// How long a browser may take to start or to move to the next page.
const BROWSER_WAIT: Duration = Duration::from_secs(30);

/// A chromedriver process on a free port in a process group of its own, stopped on drop
/// with every Chromium it started: a session a test did not close would otherwise leave
/// its browser running after the test binary has exited.
pub struct Driver {
    child: Child,
    pub url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub fn start() -> Self {
        let port = spse_testkit::free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver is installed by the test command (Debian package chromium-driver)",
            );
        eventually_blocking("chromedriver to accept connections", BROWSER_WAIT, || {
            std::net::TcpStream::connect(("127.0.0.1", port))
        });
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _profile: tempfile::tempdir().unwrap(),
        }
    }

    pub async fn browser(&self) -> Client {
        let options = chromium_options(self._profile.path(), &["--window-size=1200,1400"]);
        self.session(options).await
    }

    /// A WebDriver session with these `goog:chromeOptions`.
    pub async fn session(&self, options: serde_json::Value) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a WebDriver session in headless Chromium")
    }
}

/// Headless Chromium's options for these tests: the flags every session needs, then
/// `extra`, with its profile in `profile`.
pub fn chromium_options(profile: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(String::from)
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    serde_json::json!({ "args": args, "binary": "/usr/bin/chromium" })
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

/// The guide's login steps in the browser: the kind's page, the user ID, the password;
/// ends once the page after the password has loaded, and returns its path.
pub async fn log_in(c: &Client, base: &str, kind: &str, user_id: &str, password: &str) -> String {
    c.goto(&format!("{base}/login/{kind}"))
        .await
        .expect("login page");
    fill_and_submit(c, "user_id", user_id).await;
    wait_for_path(c, "/login/password").await;
    fill_and_submit(c, "password", password).await;
    eventually("the browser to leave the password step", || async {
        match current_path(c).await {
            path if path == "/login/password" => Err(path),
            path => Ok(path),
        }
    })
    .await
}

async fn current_path(c: &Client) -> String {
    c.current_url()
        .await
        .expect("current URL")
        .path()
        .to_string()
}

/// Clicks and waits until the browser has left the page and loaded the next one: a click
/// that submits a form returns before the navigation it starts has finished.
pub async fn click_and_wait(c: &Client, target: Locator<'_>) {
    let old_page = c.find(Locator::Css("html")).await.expect("a page");
    c.find(target)
        .await
        .expect("element to click")
        .click()
        .await
        .expect("click");
    eventually_within("the page to change", BROWSER_WAIT, || async {
        match old_page.tag_name().await {
            Ok(_) => Err("the old page is still there"),
            Err(_) => Ok(()),
        }
    })
    .await;
    eventually_within("the next page to load", BROWSER_WAIT, || async {
        match c.execute("return document.readyState", vec![]).await {
            Ok(state) if state == "complete" => Ok(()),
            seen => Err(seen.map_err(|e| e.to_string())),
        }
    })
    .await;
}

/// Waits until the page at `path` has loaded: a click that submits a form may return
/// before the navigation it starts has finished. Readiness, not a timed assertion.
pub async fn wait_for_path(c: &Client, path: &str) -> String {
    eventually(&format!("the browser at {path}"), || async {
        match current_path(c).await {
            now if now == path => Ok(now),
            now => Err(now),
        }
    })
    .await
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .click()
        .await
        .expect("click");
}

/// The text of the first element matching a CSS selector.
/// The `href` of the element with this id, as written in the page.
pub async fn href_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("#{id}"))
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("#{id} has an href"))
}

pub async fn css_text(c: &Client, selector: &str) -> String {
    c.find(Locator::Css(selector))
        .await
        .expect(selector)
        .text()
        .await
        .expect("text")
}

pub async fn text_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .text()
        .await
        .expect("text")
}

/// Reads the activation QR code off a screenshot, as a phone camera would.
/// The one QR code in a PNG, decoded.
pub fn read_qr(png: &[u8]) -> String {
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
    assert_eq!(
        wait_for_path(&c, "/login/password").await,
        "/login/password"
    );
    fill_and_submit(&c, "password", PASSWORD).await;
    assert_eq!(wait_for_path(&c, "/totp/aktivasi").await, "/totp/aktivasi");

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
    assert_eq!(wait_for_path(&c, "/beranda").await, "/beranda");
    assert_eq!(text_of(&c, "user-id").await, "PPK1");
    assert_eq!(text_of(&c, "totp-status").await, "Aktif");

    c.find(Locator::Css("nav form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(wait_for_path(&c, "/").await, "/");
    c.goto(&format!("{}/beranda", app.base)).await.unwrap();
    wait_for_path(&c, "/login").await;
    c.close().await.unwrap();
}

/// Guide section D in a real browser, captcha off by setting: from the user ID step's
/// "Reset TOTP?" to the mailed link, the confirmation, and activation at the next login.
#[tokio::test]
async fn chromium_through_the_whole_reset() {
    let app = spawn_with(|raw| raw.set("captcha", "off")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let c = driver.browser().await;

    c.goto(&format!("{}/login/non-penyedia", app.base))
        .await
        .unwrap();
    click(&c, "reset-totp-link").await;
    assert_eq!(wait_for_path(&c, "/reset-totp").await, "/reset-totp");
    let radio = c.find(Locator::Id("kind-non-penyedia")).await.unwrap();
    assert_eq!(
        radio.prop("checked").await.unwrap().as_deref(),
        Some("true")
    );
    c.find(Locator::Id("user_id"))
        .await
        .unwrap()
        .send_keys("PPK30")
        .await
        .unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("ppk30@lpse.example.go.id")
        .await
        .unwrap();
    click(&c, "reset-send").await;
    let sent = c
        .wait()
        .for_element(Locator::Id("reset-sent"))
        .await
        .unwrap();
    assert_eq!(
        sent.text().await.unwrap(),
        "Email untuk Reset TOTP sudah terkirim ke: ppk30@lpse.example.go.id"
    );

    let mails = app.wait_for_outbox(2).await;
    let mail = mails
        .iter()
        .find(|m| m.contains("Konfirmasi Permintaan Reset TOTP"))
        .expect("the reset mail in the outbox");
    let link = crate::smtp_sink::reset_link(mail);
    c.goto(&link).await.unwrap();
    assert_eq!(text_of(&c, "user-id").await, "PPK30");
    click(&c, "reset-button").await;
    c.wait()
        .for_element(Locator::Id("reset-confirm"))
        .await
        .unwrap();
    click(&c, "reset-ok").await;
    let done = c
        .wait()
        .for_element(Locator::Id("reset-done"))
        .await
        .unwrap();
    assert_eq!(done.text().await.unwrap(), "OTP berhasil di reset");
    assert!(!app.has_totp("PPK30").await);

    click(&c, "reset-login").await;
    assert_eq!(wait_for_path(&c, "/login").await, "/login");
    click(&c, "login-non-penyedia").await;
    fill_and_submit(&c, "user_id", "PPK30").await;
    assert_eq!(
        wait_for_path(&c, "/login/password").await,
        "/login/password"
    );
    fill_and_submit(&c, "password", PASSWORD).await;
    assert_eq!(wait_for_path(&c, "/totp/aktivasi").await, "/totp/aktivasi");
    assert!(
        c.find(Locator::Id("totp-qr")).await.is_ok(),
        "activation again"
    );
    c.close().await.unwrap();
}

/// Logs in through the pages, as a user does after activation.
pub async fn chromium_login(
    c: &Client,
    app: &TestApp,
    user_id: &str,
    password: &str,
    key: &spse_protocol::TotpKey,
) {
    app.clock.advance(30);
    let next = log_in(c, &app.base, "non-penyedia", user_id, password).await;
    assert_eq!(next, "/totp/acceptor");
    fill_and_submit(c, "code", &app.code(key)).await;
    wait_for_path(c, "/beranda").await;
}

async fn change_password_in(c: &Client, current: &str, new: &str) {
    click_and_wait(c, Locator::Css("nav a[href='/ganti-password']")).await;
    for (field, value) in [
        ("current_password", current),
        ("new_password", new),
        ("confirm_password", new),
    ] {
        c.find(Locator::Id(field))
            .await
            .expect(field)
            .send_keys(value)
            .await
            .unwrap();
    }
    click_and_wait(c, Locator::Css("main form button[type=submit]")).await;
}

#[tokio::test]
async fn chromium_access_log_and_password_change_in_both_languages() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    app.browser()
        .password_step(UserKind::NonPenyedia, "PPK1", "salah sekali")
        .await;
    let driver = Driver::start();
    let c = driver.browser().await;
    chromium_login(&c, &app, "ppk1", PASSWORD, &key).await;

    // Indonesian, the default.
    click_and_wait(&c, Locator::LinkText("LOG AKSES")).await;
    assert_eq!(c.current_url().await.unwrap().path(), "/log-akses");
    let table = text_of(&c, "access-log").await;
    assert!(table.contains("Login berhasil"), "{table}");
    assert!(table.contains("Password salah"), "{table}");
    assert!(
        table.contains("127.0.0.1") && table.contains("Chrome"),
        "{table}"
    );
    assert!(table.contains("Bukan saya"), "{table}");
    assert_eq!(text_of(&c, "this-session").await, "Sesi ini");
    let newest = c
        .find(Locator::Css("#access-log tbody tr td.words"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(newest, "Login berhasil", "newest first");

    change_password_in(&c, PASSWORD, "teh manis hangat sore").await;
    assert_eq!(
        text_of(&c, "password-changed").await,
        "Password Anda sudah diganti. Semua sesi lain sudah diakhiri."
    );
    change_password_in(&c, PASSWORD, "kopi7ab").await;
    let error = css_text(&c, "p.error").await;
    assert_eq!(error, "Password terlalu pendek: paling sedikit 8 karakter.");

    // English, chosen once and kept.
    c.goto(&format!("{}/log-akses?lang=en", app.base))
        .await
        .unwrap();
    let table = text_of(&c, "access-log").await;
    assert!(table.contains("Password changed"), "{table}");
    assert!(
        table.contains("Logged in") && table.contains("Wrong password"),
        "{table}"
    );
    assert_eq!(text_of(&c, "this-session").await, "This session");
    change_password_in(&c, "wrong current", "kopi susu gula aren").await;
    let error = css_text(&c, "p.error").await;
    assert_eq!(error, "The current password is wrong.");
    change_password_in(&c, "teh manis hangat sore", "kopi susu gula aren").await;
    assert_eq!(
        text_of(&c, "password-changed").await,
        "Your password has been changed. Every other session has ended."
    );
    c.close().await.unwrap();

    // The last password is the one that works.
    app.login(UserKind::NonPenyedia, "PPK1", "kopi susu gula aren", &key)
        .await;
}
