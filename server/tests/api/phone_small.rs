//! The SPSE Authenticator web app on a 320 px phone (WCAG 1.4.10): adding accounts from
//! a picture of the QR and from a pasted otpauth URI, every screen without sideways
//! scrolling and clean for axe-core.

use spse_domain::user::UserKind;

use crate::browser::Driver;
use crate::helpers::*;
use crate::phone_support::Phone;

#[tokio::test]
async fn a_320_px_phone_adds_from_a_picture_and_a_pasted_uri() {
    let app = spawn_app().await;
    app.add_user("PPK3", UserKind::NonPenyedia).await;
    let computer = app.browser();
    computer
        .password_step(UserKind::NonPenyedia, "PPK3", PASSWORD)
        .await;
    let png = computer.bytes("/totp/aktivasi/qr.png").await;
    let picture = app.dir.path().join("tangkapan-layar.png");
    std::fs::write(&picture, &png).unwrap();

    let driver = Driver::start();
    let phone = Phone::sized(&driver, None, 320, 640).await;
    phone.open(&app.app_origin).await;
    phone.assert_fits("the empty list").await;
    phone.click("#add-account").await;
    phone.shown("#scan-camera").await;
    phone.assert_fits("Tambah akun").await;
    phone.assert_axe_clean("Tambah akun at 320 px").await;

    // A screenshot of the activation page's QR, picked as a photo.
    let input = phone
        .c
        .find(fantoccini::Locator::Id("photo"))
        .await
        .unwrap();
    input.send_keys(picture.to_str().unwrap()).await.unwrap();
    assert_eq!(phone.shown("#account-added h2").await, "Akun ditambahkan");
    phone.assert_fits("Akun ditambahkan").await;
    assert_eq!(
        computer.get("/totp/aktivasi").await.location(),
        Some("/beranda"),
        "the enrolment completed the computer's activation"
    );
    phone.click("#added-done").await;

    // A pasted URI of another issuer: codes only.
    phone.click("#add-account").await;
    phone
        .type_into(
            "#uri",
            "otpauth://totp/LPSE%20Lain:PPK3?secret=JBSWY3DPEHPK3PXP&issuer=LPSE%20Lain",
        )
        .await;
    phone.click("#uri-form button[type=submit]").await;
    assert_eq!(phone.shown("#account-added h2").await, "Akun ditambahkan");
    let said = phone.shown("#added-text").await;
    assert!(said.contains("PPK3 (LPSE Lain)"), "{said}");
    phone.click("#added-done").await;
    let list = phone.shown("#accounts").await;
    assert!(
        list.contains("LPSE Lain") && list.contains("PPK3"),
        "{list}"
    );
    phone.assert_fits("two accounts").await;
    phone.click("#accounts li:last-child .code").await;
    phone.says("#list-status", "Kode PPK3 disalin.").await;
    phone.assert_axe_clean("two accounts at 320 px").await;

    // A URI that is not one is refused in words.
    phone.click("#add-account").await;
    phone.type_into("#uri", "https://lpse.example.go.id").await;
    phone.click("#uri-form button[type=submit]").await;
    phone
        .says(
            "#add-error",
            "Ini bukan alamat otpauth://totp/ dari halaman Aktivasi TOTP.",
        )
        .await;
    phone.assert_axe_clean("a refused address").await;
    phone.c.close().await.unwrap();
}
