//! The SPSE Authenticator web app when the account moves to a second phone after a
//! reset: the first phone says so, in both languages, and removes it on confirmation.
//! Also the two other ways in: the activation page's link and a typed key.

use fantoccini::Locator;
use spse_domain::user::UserKind;
use spse_testkit::oathtool;

use crate::browser::{Driver, href_of, log_in, wait_for_path};
use crate::helpers::*;
use crate::phone_app::{activation_qr, computer};
use crate::phone_support::{Phone, camera_video_of};

#[tokio::test]
async fn a_second_phone_after_a_reset_and_the_first_shows_the_account_moved() {
    let app = spawn_app().await;
    app.add_user("PPK2", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let c = computer(&driver, profile.path()).await;
    assert_eq!(
        log_in(&c, &app.base, "non-penyedia", "PPK2", PASSWORD).await,
        "/totp/aktivasi"
    );
    let (png, _) = activation_qr(&c).await;
    let camera = app.dir.path().join("camera.y4m");
    camera_video_of(&png, &camera);
    let first = Phone::start(&driver, &camera).await;
    first.open(&app.app_origin).await;
    first.click("#add-account").await;
    first.click("#scan-camera").await;
    assert_eq!(first.shown("#account-added h2").await, "Akun ditambahkan");
    wait_for_path(&c, "/beranda").await;
    first.click("#added-done").await;

    // A typed key: codes only, computed as oathtool does.
    first.click("#add-account").await;
    first.type_into("#key-account", "PPK9").await;
    first.type_into("#key-secret", "jbsw y3dp ehpk 3pxp").await;
    first.click("#key-form button[type=submit]").await;
    assert_eq!(first.shown("#account-added h2").await, "Akun ditambahkan");
    first.click("#added-done").await;
    let css = "#accounts [data-account='PPK9'] .code";
    let code = first.shown(css).await;
    let step: u64 = first
        .c
        .find(Locator::Css(css))
        .await
        .unwrap()
        .attr("data-step")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(code, oathtool("JBSWY3DPEHPK3PXP", step * 30));

    // A lost phone: TOTP reset (its end state, as the terminal app's test has it; the
    // reset itself is tested on its own). The next login activates again, on a second
    // phone that opens the activation page's "Buka di SPSE Authenticator" link.
    sqlx::query("UPDATE users SET totp_secret = NULL WHERE user_key = 'ppk2'")
        .execute(&app.db)
        .await
        .unwrap();
    c.find(Locator::Css("nav form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/").await;
    app.clock.advance(30);
    assert_eq!(
        log_in(&c, &app.base, "non-penyedia", "PPK2", PASSWORD).await,
        "/totp/aktivasi"
    );
    let link = href_of(&c, "open-app").await;
    let second = Phone::start(&driver, &camera).await;
    second.c.goto(&link).await.unwrap();
    assert_eq!(second.shown("#account-added h2").await, "Akun ditambahkan");
    assert_eq!(
        second.c.current_url().await.unwrap().fragment(),
        None,
        "the enrolment leaves the address at once"
    );
    wait_for_path(&c, "/beranda").await;

    first
        .says(
            "#accounts [data-account='PPK2'] .moved",
            "Ponsel ini tidak lagi terdaftar untuk akun ini. Persetujuan login sekarang ada \
             di ponsel lain; kode di sini tidak berlaku lagi.",
        )
        .await;
    first
        .assert_axe_clean("an account moved to another phone")
        .await;
    first.click("#lang").await;
    first
        .says(
            "#accounts [data-account='PPK2'] .moved",
            "This phone is no longer registered for this account. Login approval is now on \
             another phone; the codes here no longer work.",
        )
        .await;
    first.assert_axe_clean("the account list in English").await;

    // Remove, with a confirmation.
    first.click("#accounts [data-account='PPK2'] .remove").await;
    let question = first.shown("#confirm-remove #remove-text").await;
    assert!(question.contains("PPK2"), "{question}");
    first.assert_axe_clean("the removal's confirmation").await;
    first.click("#remove-yes").await;
    first.says("#list-status", "Account PPK2 removed.").await;
    assert!(
        first
            .c
            .find(Locator::Css("#accounts [data-account='PPK2']"))
            .await
            .is_err()
    );
    assert!(
        first
            .c
            .find(Locator::Css("#accounts [data-account='PPK9']"))
            .await
            .is_ok()
    );
    first.c.close().await.unwrap();

    // Wrong numbers until the lock, on the phone that holds the account now.
    second.click("#added-done").await;
    app.clock.advance(30);
    let (_b, number) = crate::push_support::at_acceptor(&app, "PPK2").await;
    let wrong = if number == Some(10) { "11" } else { "10" };
    let locked =
        "Terlalu banyak angka atau kode salah: akun ini dikunci sementara. Coba lagi nanti.";
    let mut said = Vec::new();
    for _ in 0..6 {
        second.shown("#pending [data-approval]").await;
        second.type_into("input[name=number]", wrong).await;
        // Each answer replaces the last one's words: clear them to see the next.
        second
            .c
            .execute(
                "document.getElementById('decision-result').textContent = ''",
                vec![],
            )
            .await
            .unwrap();
        second.click("#approve").await;
        let answer = spse_testkit::eventually_within(
            "the answer to the number",
            crate::phone_support::APP_WAIT,
            || async {
                let text = second.shown("#decision-result").await;
                (!text.is_empty()).then_some(text)
            },
        )
        .await;
        let done = answer == locked;
        said.push(answer);
        if done {
            break;
        }
    }
    assert_eq!(said.last().map(String::as_str), Some(locked), "{said:?}");
    second.assert_axe_clean("a locked account").await;
    second.c.close().await.unwrap();
    c.close().await.unwrap();
}
