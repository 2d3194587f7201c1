//! The phone for the SPSE Authenticator web app's tests: headless Chromium with mobile
//! emulation and a fake camera fed from a Y4M file, axe-core, and the network cut.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use spse_testkit::eventually_within;

use crate::browser::{Driver, chromium_options};

/// How long the app may take to show something (a poll is every few seconds).
pub const APP_WAIT: Duration = Duration::from_secs(30);

const PHONE_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                        (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

/// A phone: its own profile (so its own IndexedDB) and the camera's video.
pub struct Phone {
    pub c: Client,
    _profile: tempfile::TempDir,
}

impl Phone {
    /// A 360×800 phone whose camera sees `camera` (a Y4M file).
    pub async fn start(driver: &Driver, camera: &Path) -> Self {
        Self::sized(driver, Some(camera), 360, 800).await
    }

    /// A phone of this size in CSS pixels; without a camera file, the fake camera's own
    /// test pattern.
    pub async fn sized(driver: &Driver, camera: Option<&Path>, width: u32, height: u32) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let mut flags = vec![
            "--use-fake-device-for-media-stream".to_string(),
            "--use-fake-ui-for-media-stream".to_string(),
        ];
        if let Some(camera) = camera {
            flags.push(format!(
                "--use-file-for-fake-video-capture={}",
                camera.display()
            ));
        }
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let mut options = chromium_options(profile.path(), &flags);
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "mobile": true, "touch": true },
            "userAgent": PHONE_UA,
        });
        let c = driver.session(options).await;
        Self {
            c,
            _profile: profile,
        }
    }

    /// Opens the app and waits until it has started.
    pub async fn open(&self, app_origin: &str) {
        self.c.goto(&format!("{app_origin}/")).await.unwrap();
        self.ready().await;
    }

    pub async fn ready(&self) {
        eventually_within("the app to start", APP_WAIT, || async {
            match self
                .c
                .execute("return document.body.dataset.ready || ''", vec![])
                .await
            {
                Ok(v) if v == "true" => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
    }

    /// The text of the first element matching `css` once it is shown.
    pub async fn shown(&self, css: &str) -> String {
        eventually_within(&format!("{css} shown"), APP_WAIT, || async {
            let element = self
                .c
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?;
            if !element.is_displayed().await.map_err(|e| e.to_string())? {
                return Err("hidden".to_string());
            }
            element.text().await.map_err(|e| e.to_string())
        })
        .await
    }

    /// Waits until the element matching `css` says `text`.
    pub async fn says(&self, css: &str, text: &str) {
        eventually_within(&format!("{css} to say {text:?}"), APP_WAIT, || async {
            let seen = self.shown_now(css).await;
            if seen == text { Ok(()) } else { Err(seen) }
        })
        .await;
    }

    async fn shown_now(&self, css: &str) -> String {
        match self.c.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .expect(css)
            .click()
            .await
            .expect("click");
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let input = self.c.find(Locator::Css(css)).await.expect(css);
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Cuts the network (DevTools' offline mode), or gives it back.
    pub async fn set_offline(&self, offline: bool) {
        self.c
            .issue_cmd(NetworkConditions { offline })
            .await
            .expect("network conditions");
    }

    /// What axe-core finds on the page, one line per rule broken.
    pub async fn axe(&self) -> Vec<String> {
        let loaded = self
            .c
            .execute("return typeof axe !== 'undefined'", vec![])
            .await
            .unwrap();
        if loaded != true {
            let source = std::fs::read_to_string(axe_path()).unwrap();
            self.c
                .execute(&format!("{source}\nreturn true;"), vec![])
                .await
                .expect("axe-core loads in the page");
        }
        let found = self
            .c
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, { runOnly: { type: "tag",
                    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } })
                  .then(r => done(r.violations.map(v => v.id + ": " +
                      v.nodes.map(n => n.target.join(" ")).join(", "))))
                  .catch(e => done(["axe failed: " + e]));"#,
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(found).unwrap()
    }

    /// Saves a screenshot as `NAME.png` in `SPSE_TEST_SCREENSHOTS`, when it is set (the
    /// README's pictures come from such a run).
    pub async fn snap(&self, name: &str) {
        if let Some(dir) = std::env::var_os("SPSE_TEST_SCREENSHOTS") {
            let png = self.c.screenshot().await.unwrap();
            std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    /// Asserts that the screen needs no sideways scrolling (WCAG 1.4.10, reflow).
    pub async fn assert_fits(&self, screen: &str) {
        let sizes = self
            .c
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            sizes[0].as_u64() <= sizes[1].as_u64(),
            "{screen} scrolls sideways: {sizes}"
        );
    }

    /// Asserts that axe-core finds nothing on the screen shown, named `screen`.
    pub async fn assert_axe_clean(&self, screen: &str) {
        let found = self.axe().await;
        assert!(found.is_empty(), "axe-core on {screen}: {found:#?}");
    }
}

/// axe-core's script, installed by `scripts/test` (npm package axe-core) under the
/// target directory, or where `SPSE_TEST_AXE` says.
fn axe_path() -> PathBuf {
    let path = std::env::var_os("SPSE_TEST_AXE").map_or_else(
        || {
            let exe = std::env::current_exe().unwrap();
            let target = exe.ancestors().nth(3).unwrap().to_path_buf();
            target.join("test-tools/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: scripts/test installs axe-core (npm install --prefix TARGET/test-tools axe-core)",
        path.display()
    );
    path
}

/// A Y4M video (what Chromium's fake camera plays, looped) of the QR code in `png`,
/// scaled to 400×400 on a white 640×480 frame.
pub fn camera_video_of(png: &[u8], path: &Path) {
    let picture = image::load_from_memory(png).unwrap().to_luma8();
    let qr = image::imageops::resize(&picture, 400, 400, image::imageops::FilterType::Nearest);
    let (width, height) = (640usize, 480usize);
    let mut luma = vec![255u8; width * height];
    for (x, y, pixel) in qr.enumerate_pixels() {
        luma[(y as usize + 40) * width + x as usize + 120] = pixel.0[0];
    }
    let mut video = b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n".to_vec();
    for _ in 0..2 {
        video.extend_from_slice(b"FRAME\n");
        video.extend_from_slice(&luma);
        video.extend(std::iter::repeat_n(128u8, width * height / 2));
    }
    std::fs::write(path, video).unwrap();
}

/// chromedriver's network emulation (`offline`, no latency, no throughput limit).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        let body = serde_json::json!({ "network_conditions": {
            "offline": self.offline, "latency": 0,
            "download_throughput": 0, "upload_throughput": 0,
        }});
        (Method::POST, Some(body.to_string()))
    }
}
