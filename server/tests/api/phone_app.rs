//! The SPSE Authenticator web app end to end, in two headless Chromium browsers: the
//! computer (the login pages at 1280 px) and the phone (the app at 360×800 with mobile
//! emulation), the phone's camera fed with a video of the computer's own activation QR.

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use spse_domain::user::UserKind;
use spse_protocol::OtpauthUri;
use spse_testkit::oathtool;

use crate::browser::{Driver, chromium_options, href_of, log_in, text_of, wait_for_path};
use crate::helpers::*;
use crate::phone_support::{Phone, camera_video_of};
use crate::push_support::at_acceptor;

/// The computer: a desktop-sized window.
pub(crate) async fn computer(driver: &Driver, profile: &std::path::Path) -> Client {
    driver
        .session(chromium_options(profile, &["--window-size=1280,900"]))
        .await
}

/// The activation QR as the computer shows it, and what it says.
pub(crate) async fn activation_qr(c: &Client) -> (Vec<u8>, OtpauthUri) {
    let png = c
        .find(Locator::Id("totp-qr"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    let text = crate::browser::read_qr(&png);
    (png, OtpauthUri::parse(&text).unwrap())
}

/// The code the phone shows for `user_id`, checked against oathtool at the time step
/// the app says it is for (the app keeps the server's pinned clock).
async fn assert_code_is_oathtools(phone: &Phone, app: &TestApp, user_id: &str, secret: &str) {
    let css = format!("#accounts [data-account='{user_id}'] .code");
    let code = phone.shown(&css).await;
    let step: u64 = phone
        .c
        .find(Locator::Css(&css))
        .await
        .unwrap()
        .attr("data-step")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let pinned = app.clock_now() as u64 / 30;
    assert!(
        step == pinned || step == pinned + 1,
        "the app keeps the server's clock: step {step}, server at {pinned}"
    );
    assert_eq!(
        code,
        oathtool(secret, step * 30),
        "the app's code and oathtool's"
    );
}

/// Logs the computer out (BERANDA's LOGOUT) and in again up to the acceptor.
pub(crate) async fn log_in_again(c: &Client, app: &TestApp, user_id: &str) -> String {
    c.find(Locator::Css("nav form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(c, "/").await;
    app.clock.advance(30);
    let next = log_in(c, &app.base, "non-penyedia", user_id, PASSWORD).await;
    assert_eq!(next, "/totp/acceptor");
    text_of(c, "approval-number").await
}

/// Types the number and chooses Ya on the waiting login.
async fn approve_with(phone: &Phone, number: &str) {
    phone.shown("#pending [data-approval]").await;
    phone.type_into("input[name=number]", number).await;
    phone.click("#approve").await;
}

#[tokio::test]
async fn phone_scans_the_qr_and_approves_denies_and_works_offline() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let computer_profile = tempfile::tempdir().unwrap();
    let c = computer(&driver, computer_profile.path()).await;
    assert_eq!(
        log_in(&c, &app.base, "non-penyedia", "PPK1", PASSWORD).await,
        "/totp/aktivasi"
    );
    let link = href_of(&c, "open-app").await;
    assert!(
        link.starts_with(&format!("{}/?lang=id#add=otpauth", app.app_origin)),
        "{link}"
    );
    let (png, uri) = activation_qr(&c).await;
    let secret = uri.key.to_base32();
    let camera = app.dir.path().join("camera.y4m");
    camera_video_of(&png, &camera);

    let phone = Phone::start(&driver, &camera).await;
    phone.open(&app.app_origin).await;
    phone.assert_axe_clean("the empty account list").await;
    let broken = phone
        .c
        .execute(
            "const i = document.createElement('img'); i.src = '/icon-192.png'; \
             i.id = 'axe-probe'; document.querySelector('main').append(i); return true",
            vec![],
        )
        .await;
    assert!(broken.is_ok());
    let found = phone.axe().await;
    assert!(
        found.iter().any(|v| v.starts_with("image-alt")),
        "axe-core can fail: {found:?}"
    );
    phone
        .c
        .execute("document.getElementById('axe-probe').remove()", vec![])
        .await
        .unwrap();
    phone.click("#add-account").await;
    phone.shown("#scan-camera").await;
    phone.assert_axe_clean("Tambah akun").await;
    phone.snap("app-add-account").await;
    phone.click("#scan-camera").await;
    assert_eq!(phone.shown("#account-added h2").await, "Akun ditambahkan");
    phone.assert_axe_clean("Akun ditambahkan").await;
    phone.snap("app-account-added").await;
    assert_eq!(
        wait_for_path(&c, "/beranda").await,
        "/beranda",
        "the computer moves on by itself"
    );
    assert_eq!(text_of(&c, "user-id").await, "PPK1");
    phone.click("#added-done").await;
    assert_code_is_oathtools(&phone, &app, "PPK1", &secret).await;
    phone.assert_axe_clean("the account list").await;
    phone.snap("app-accounts").await;

    // A later login, approved with the number the computer shows.
    let number = log_in_again(&c, &app, "PPK1").await;
    let waiting = phone.shown("#pending [data-approval]").await;
    assert!(
        waiting.contains("PPK1") && waiting.contains("127.0.0.1") && waiting.contains("Chrome"),
        "{waiting}"
    );
    phone.assert_axe_clean("a waiting login").await;
    phone.snap("app-pending-login").await;
    let wrong = if number == "10" { "11" } else { "10" };
    approve_with(&phone, wrong).await;
    phone
        .says(
            "#decision-result",
            "Angka salah. Ketik angka yang tampil di layar komputer.",
        )
        .await;
    phone.assert_axe_clean("a wrong number").await;
    approve_with(&phone, &number).await;
    phone
        .says(
            "#decision-result",
            "Disetujui. Komputer akan lanjut ke BERANDA.",
        )
        .await;
    assert_eq!(wait_for_path(&c, "/beranda").await, "/beranda");
    assert_eq!(text_of(&c, "user-id").await, "PPK1");

    // Tidak: the login attempt ends.
    let (b, _) = at_acceptor(&app, "PPK1").await;
    phone.shown("#pending [data-approval]").await;
    phone.click("#deny").await;
    phone
        .says("#decision-result", "Ditolak. Login itu dihentikan.")
        .await;
    assert_eq!(b.get("/totp/acceptor").await.status, StatusCode::FORBIDDEN);

    // Expiry: the two minutes pass while the phone shows the login.
    app.clock.advance(60);
    let (_b, number) = at_acceptor(&app, "PPK1").await;
    assert!(number.is_some());
    phone.shown("#pending [data-approval]").await;
    app.clock.advance(121);
    phone
        .says(
            "#decision-result",
            "Permintaan ini sudah kedaluwarsa (lebih dari 2 menit). Ulangi login di komputer.",
        )
        .await;

    // Bukan saya.
    let (_b, number) = at_acceptor(&app, "PPK1").await;
    assert!(number.is_some());
    phone.shown("#pending [data-approval]").await;
    phone.click("#not-me").await;
    phone
        .says(
            "#decision-result",
            "Dilaporkan sebagai bukan Anda. Login itu dihentikan; ganti password Anda jika perlu.",
        )
        .await;
    let events = app.events("PPK1").await;
    for event in [
        "approval_denied",
        "approval_not_me",
        "approval_wrong_number",
    ] {
        assert!(events.contains(&event.to_string()), "{event} in {events:?}");
    }

    // Offline: the service worker keeps the app, and the codes still come.
    phone.set_offline(true).await;
    phone.c.refresh().await.unwrap();
    phone.ready().await;
    let controlled = phone
        .c
        .execute("return !!navigator.serviceWorker.controller", vec![])
        .await
        .unwrap();
    assert_eq!(controlled, true, "the service worker served the app");
    assert_code_is_oathtools(&phone, &app, "PPK1", &secret).await;
    phone.set_offline(false).await;

    phone.c.close().await.unwrap();
    c.close().await.unwrap();
}
