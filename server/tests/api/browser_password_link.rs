//! Lupa Password in a phone-sized Chromium with JavaScript: the user ID step's link
//! follows what is typed, the form's proof of work stands in for the captcha as on Reset
//! TOTP, and the mailed link's page takes the new password.

use std::time::Duration;

use fantoccini::Locator;
use spse_domain::user::UserKind;

use crate::browser::{Driver, click_and_wait, href_of, wait_for_path};
use crate::browser_reset::{phone, proof_done, sent_page, type_into, value_of};
use crate::helpers::*;
use crate::password_link::{NEW_PASSWORD, SUBJECT, password_link};

#[tokio::test]
async fn phone_asks_for_a_link_and_sets_a_new_password() {
    let app = spawn_with(|raw| {
        raw.set("captcha", "on");
        raw.set("totp_required", "false");
    })
    .await;
    app.add_user("PPK60", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    let (c, _profile) = phone(&driver, true).await;

    c.goto(&format!("{}/login/non-penyedia", app.base))
        .await
        .unwrap();
    type_into(&c, "user_id", "PPK60").await;
    let href = href_of(&c, "forgot-password-link").await;
    assert_eq!(href, "/lupa-password?kind=non-penyedia&user_id=PPK60");
    click_and_wait(&c, Locator::Id("forgot-password-link")).await;
    wait_for_path(&c, "/lupa-password").await;
    assert_eq!(value_of(&c, "user_id").await, "PPK60");
    type_into(&c, "email", "ppk60@lpse.example.go.id").await;
    proof_done(&c).await;
    c.find(Locator::Id("reset-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        sent_page(&c).await,
        "Email untuk membuat password baru sudah terkirim ke: ppk60@lpse.example.go.id"
    );

    let mail = app.mail_with(SUBJECT).await;
    assert!(mail.contains("To: ppk60@lpse.example.go.id"));
    c.goto(&password_link(&mail)).await.unwrap();
    type_into(&c, "new_password", NEW_PASSWORD).await;
    type_into(&c, "confirm_password", NEW_PASSWORD).await;
    c.find(Locator::Id("set-password"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("p.message"))
        .await
        .expect("the done page")
        .text()
        .await
        .unwrap();
    assert!(
        done.contains("Password akun PPK60 sudah diganti."),
        "{done}"
    );
    let new = app
        .browser()
        .password_step(UserKind::NonPenyedia, "PPK60", NEW_PASSWORD)
        .await;
    assert_eq!(new.location(), Some("/beranda"));
    c.close().await.unwrap();
}
