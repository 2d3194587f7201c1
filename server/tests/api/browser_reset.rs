//! The reset form on a phone (360×800, headless Chromium): the proof of work that
//! stands in for the captcha, the form's layout, "Gambar lain" that keeps what was
//! typed (with and without JavaScript), and the links that open the form filled in.

use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use spse_domain::reset::POW_MAX_NUMBER;
use spse_domain::user::UserKind;
use spse_testkit::eventually_within;

use crate::browser::{Driver, chromium_options, click_and_wait, href_of, log_in, wait_for_path};
use crate::helpers::*;
use crate::reset::SUBJECT;
use crate::reset_request::{EMAIL, solve};

const WAIT: Duration = Duration::from_secs(30);
const PHONE_AGENT: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 \
                           (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36";
const CHECKED_ID: &str = "Browser Anda sudah diperiksa: Kode Keamanan tidak perlu diketik.";
const FAILED_ID: &str = "Browser Anda tidak dapat diperiksa. Silakan ketik Kode Keamanan.";

/// A phone-sized Chromium, with or without JavaScript: with it, chromedriver's mobile
/// emulation (360×800 CSS px, pixel ratio 2, a mobile agent); without, the same viewport
/// set through DevTools, since chromedriver's emulated taps hang on a page whose
/// JavaScript is off. The profile directory lives as
/// long as the returned guard.
pub(crate) async fn phone(driver: &Driver, javascript: bool) -> (Client, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let mut options = chromium_options(
        profile.path(),
        &["--autoplay-policy=no-user-gesture-required"],
    );
    if javascript {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": 360, "height": 800, "pixelRatio": 2.0 },
            "userAgent": PHONE_AGENT,
        });
    } else {
        options["prefs"] = serde_json::json!({
            "profile.managed_default_content_settings.javascript": 2
        });
    }
    let client = driver.session(options).await;
    if !javascript {
        // A headless window is at least 500 px wide: the viewport is set instead.
        let metrics = serde_json::json!({
            "width": 360, "height": 800, "deviceScaleFactor": 2, "mobile": true
        });
        cdp(&client, "Emulation.setDeviceMetricsOverride", metrics).await;
    }
    (client, profile)
}

/// A Chrome DevTools command through chromedriver (CPU throttling, blocked URLs).
#[derive(Debug)]
struct Cdp(serde_json::Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

async fn cdp(c: &Client, cmd: &str, params: serde_json::Value) {
    c.issue_cmd(Cdp(serde_json::json!({ "cmd": cmd, "params": params })))
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
}

/// `[x, y, width, height]` of an element, in CSS px.
async fn rect(c: &Client, selector: &str) -> [f64; 4] {
    let script = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                  return [r.x, r.y, r.width, r.height];";
    let value = c
        .execute(script, vec![selector.into()])
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
    let v: Vec<f64> = serde_json::from_value(value).unwrap();
    [v[0], v[1], v[2], v[3]]
}

async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.expect(script)
}

pub(crate) async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

pub(crate) async fn type_into(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .send_keys(text)
        .await
        .unwrap();
}

async fn displayed(c: &Client, id: &str) -> bool {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .is_displayed()
        .await
        .unwrap()
}

/// Waits for the proof of work and returns how long the page says it took (ms).
pub(crate) async fn proof_done(c: &Client) -> f64 {
    eventually_within("the proof of work in the hidden field", WAIT, || async {
        match value_of(c, "pow-payload").await {
            done if !done.is_empty() => Ok(()),
            _ => Err("not yet"),
        }
    })
    .await;
    js(
        c,
        "return Number(document.getElementById('reset-form').dataset.powMs)",
    )
    .await
    .as_f64()
    .unwrap()
}

/// Waits until the server has drawn the picture of the form's captcha, then reads its
/// answer the way only someone holding the database could.
async fn answer_on_screen(c: &Client, app: &TestApp) -> String {
    let id = value_of(c, "captcha-id").await;
    eventually("the picture drawn", || async {
        let hash = spse_domain::token::hash(&id);
        let sql = format!("SELECT COUNT(*) FROM captchas WHERE id_hash = '{hash}'");
        (app.count(&sql).await == 1).then_some(())
    })
    .await;
    solve(app, &id).await
}

pub(crate) async fn sent_page(c: &Client) -> String {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("reset-sent"))
        .await
        .expect("the page saying the mail was sent")
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn phone_with_javascript_sends_the_reset_without_typing_a_captcha() {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let (c, _profile) = phone(&driver, true).await;

    c.goto(&format!("{}/reset-totp?kind=non-penyedia", app.base))
        .await
        .unwrap();
    let took = proof_done(&c).await;
    eprintln!("proof of work on this machine, unthrottled: {took:.0} ms");
    assert_eq!(
        c.find(Locator::Id("pow-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        CHECKED_ID
    );
    assert!(!displayed(&c, "captcha-group").await, "no captcha to type");
    type_into(&c, "user_id", "PPK30").await;
    type_into(&c, "email", EMAIL).await;
    c.find(Locator::Id("reset-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(sent_page(&c).await.contains(EMAIL));
    assert!(
        app.mail_with(SUBJECT)
            .await
            .contains(&format!("To: {EMAIL}"))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pow_spent").await, 1);
    c.close().await.unwrap();
}

/// How long the proof takes: the hash rate over 6 page loads, as this machine runs it
/// and with the CPU slowed 4× (Lighthouse's stand-in for a mid-range phone), and so the
/// mean and longest solve. Printed for the README; the bound only catches a difficulty
/// far off.
#[tokio::test]
async fn the_proof_of_work_stays_in_its_bound_and_prints_its_speed() {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    let driver = Driver::start();
    let (c, _profile) = phone(&driver, true).await;
    for rate in [1, 4] {
        cdp(
            &c,
            "Emulation.setCPUThrottlingRate",
            serde_json::json!({ "rate": rate }),
        )
        .await;
        let (mut tries, mut millis) = (0.0, 0.0);
        for _ in 0..6 {
            c.goto(&format!("{}/reset-totp", app.base)).await.unwrap();
            millis += proof_done(&c).await;
            let script = "return Number(document.getElementById('reset-form').dataset.powTries)";
            let these = js(&c, script).await.as_f64().unwrap();
            // The solver finds the number and never searches past the challenge's bound.
            assert!(
                (1.0..=POW_MAX_NUMBER as f64 + 1.0).contains(&these),
                "{these} tries"
            );
            tries += these;
        }
        let per_second = tries / millis * 1000.0;
        // The number is uniform in 0..=max: half of max tries on average.
        let mean = POW_MAX_NUMBER as f64 / 2.0 / per_second;
        eprintln!(
            "proof of work, CPU slowed {rate}x: {per_second:.0} hashes/s, so {mean:.2} s on \
             average and {:.2} s at most",
            2.0 * mean
        );
    }
    // How fast is printed, not asserted: a loaded machine would fail a timed test.
    c.close().await.unwrap();
}

#[tokio::test]
async fn phone_without_javascript_lays_the_form_out_and_keeps_the_fields_on_gambar_lain() {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let (c, _profile) = phone(&driver, false).await;
    c.goto(&format!("{}/reset-totp?kind=penyedia", app.base))
        .await
        .unwrap();

    // Radios at their own size, each beside its words; no sideways scrolling.
    for id in ["#kind-penyedia", "#kind-non-penyedia"] {
        let [x, y, w, h] = rect(&c, id).await;
        let selector = format!("label.choice:has({id})");
        let [lx, ly, lw, lh] = rect(&c, &selector).await;
        assert!(w <= 32.0 && h <= 32.0, "{id} is {w}×{h}, not stretched");
        assert!(x - lx < 8.0, "{id} starts its label's line");
        assert!(lw > w + 40.0, "its words follow on the same line");
        assert!(
            y >= ly && y + h <= ly + lh,
            "{id} sits within its label's line"
        );
    }
    let viewport = js(&c, "return window.innerWidth").await;
    assert_eq!(viewport, 360, "a phone-wide viewport");
    let width = js(&c, "return document.documentElement.scrollWidth").await;
    assert!(width.as_f64().unwrap() <= 360.0, "page {width} px wide");
    // The captcha's field right under its label, then the picture, then the sound.
    let [_, label_y, _, label_h] = rect(&c, "label[for=captcha]").await;
    let [_, input_y, _, input_h] = rect(&c, "#captcha").await;
    let gap = input_y - (label_y + label_h);
    assert!(
        (0.0..=40.0).contains(&gap),
        "field {gap} px below its label"
    );
    let [_, image_y, _, _] = rect(&c, "#captcha-image").await;
    let [_, audio_y, _, _] = rect(&c, "#captcha-audio").await;
    assert!(input_y + input_h <= image_y && image_y < audio_y);

    // "Gambar lain" posts the form back: typed fields and kind kept, a new picture.
    c.find(Locator::Css("label.choice:has(#kind-non-penyedia)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&c, "user_id", "PPK30").await;
    type_into(&c, "email", EMAIL).await;
    let old_id = value_of(&c, "captcha-id").await;
    click_and_wait(&c, Locator::Id("captcha-refresh")).await;
    assert_eq!(value_of(&c, "user_id").await, "PPK30");
    assert_eq!(value_of(&c, "email").await, EMAIL);
    let kind = c.find(Locator::Id("kind-non-penyedia")).await.unwrap();
    assert_eq!(kind.prop("checked").await.unwrap().as_deref(), Some("true"));
    assert_ne!(value_of(&c, "captcha-id").await, old_id, "a new captcha");
    assert_eq!(app.count("SELECT COUNT(*) FROM reset_requests").await, 0);

    // The typed captcha works as before; Enter sends (not "Gambar lain").
    let answer = answer_on_screen(&c, &app).await;
    type_into(&c, "captcha", &format!("{answer}\u{E007}")).await;
    assert!(sent_page(&c).await.contains(EMAIL));
    app.mail_with(SUBJECT).await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn phone_where_the_check_fails_gets_the_captcha_and_gambar_lain_in_place() {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let (c, _profile) = phone(&driver, true).await;
    cdp(&c, "Network.enable", serde_json::json!({})).await;
    let blocked = serde_json::json!({ "urls": ["*/captcha/pow"] });
    cdp(&c, "Network.setBlockedURLs", blocked).await;
    c.goto(&format!("{}/reset-totp?kind=non-penyedia", app.base))
        .await
        .unwrap();
    eventually_within("the check to give up", WAIT, || async {
        match c
            .find(Locator::Id("pow-status"))
            .await
            .unwrap()
            .text()
            .await
        {
            Ok(text) if text == FAILED_ID => Ok(()),
            seen => Err(format!("{seen:?}")),
        }
    })
    .await;
    assert!(displayed(&c, "captcha").await, "the captcha is back");

    type_into(&c, "user_id", "PPK30").await;
    type_into(&c, "email", EMAIL).await;
    let old_id = value_of(&c, "captcha-id").await;
    js(&c, "window.samePage = true; return true").await;
    c.find(Locator::Id("captcha-refresh"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let new_id = eventually("a new captcha id", || async {
        match value_of(&c, "captcha-id").await {
            id if id != old_id => Ok(id),
            same => Err(same),
        }
    })
    .await;
    assert_eq!(
        js(&c, "return window.samePage === true").await,
        true,
        "no reload"
    );
    assert_eq!(value_of(&c, "user_id").await, "PPK30");
    assert_eq!(value_of(&c, "email").await, EMAIL);
    let src = c
        .find(Locator::Id("captcha-image"))
        .await
        .unwrap()
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(src.ends_with(&new_id), "{src}");

    // The sound of the new picture, played three times, says its answer: the picture's
    // code stays the one to type (a single fetch; replays come from the player).
    let answer = answer_on_screen(&c, &app).await;
    let play = "const done = arguments[0]; const a = document.getElementById('captcha-audio'); \
                a.currentTime = 0; a.play().then(() => setTimeout(() => { a.pause(); \
                done(a.duration); }, 500), (e) => done(String(e)));";
    for _ in 0..3 {
        let played = c.execute_async(play, vec![]).await.unwrap();
        assert!(played.as_f64().is_some_and(|s| s > 1.0), "played: {played}");
    }
    let renders = app.count("SELECT MAX(renders) FROM captchas").await;
    assert!(
        renders <= 2,
        "{renders} renders: the picture and one fetch of the sound"
    );
    type_into(&c, "captcha", &answer).await;
    c.find(Locator::Id("reset-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(sent_page(&c).await.contains(EMAIL));
    c.close().await.unwrap();
}

#[tokio::test]
async fn reset_totp_links_open_the_form_filled_in() {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    app.add_active_user("PPK31", UserKind::Penyedia).await;
    let driver = Driver::start();
    let (c, _profile) = phone(&driver, true).await;

    // The user ID step: the link follows what is typed, percent-encoded.
    c.goto(&format!("{}/login/penyedia", app.base))
        .await
        .unwrap();
    type_into(&c, "user_id", "ppk 31&x").await;
    let href = href_of(&c, "reset-totp-link").await;
    assert_eq!(href, "/reset-totp?kind=penyedia&user_id=ppk+31%26x");
    click_and_wait(&c, Locator::Id("reset-totp-link")).await;
    assert_eq!(value_of(&c, "user_id").await, "ppk 31&x");

    // The acceptor page (password right): both kind and user ID, and the mail reaches
    // that Penyedia.
    let next = log_in(&c, &app.base, "penyedia", "PPK31", PASSWORD).await;
    assert_eq!(next, "/totp/acceptor");
    click_and_wait(&c, Locator::Id("reset-totp-link")).await;
    wait_for_path(&c, "/reset-totp").await;
    let kind = c.find(Locator::Id("kind-penyedia")).await.unwrap();
    assert_eq!(kind.prop("checked").await.unwrap().as_deref(), Some("true"));
    assert_eq!(value_of(&c, "user_id").await, "PPK31");
    type_into(&c, "email", "ppk31@lpse.example.go.id").await;
    proof_done(&c).await;
    c.find(Locator::Id("reset-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sent_page(&c).await;
    let mail = app.mail_with(SUBJECT).await;
    assert!(mail.contains("To: ppk31@lpse.example.go.id"));
    c.close().await.unwrap();
}
